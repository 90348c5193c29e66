import { type Db } from '../infra/db';
import { type ListFile, loadList, type LoadResult, readListFiles } from './load-list';
import { ListLoadError } from './parsers/list-errors';
import { isScreeningSource, SCREENING_SOURCES } from './types';

// Refreshing the configured sources (SCREENING_SOURCES: "source=url-or-path,..."), for the
// scheduled refresh. Each source loads on its own: one broken feed is reported and keeps its
// version in force, the others still refresh.

export interface ConfiguredSource {
  source: string;
  location: string;
}

export type RefreshOutcome = { source: string; ok: true; result: LoadResult } | { source: string; ok: false; error: string };

const OFAC_FILES = ['sdn.csv', 'alt.csv', 'add.csv'];
const DOWNLOAD_TIMEOUT_MS = 120_000;

async function download(url: string): Promise<ListFile> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok) throw new ListLoadError(`${url}: HTTP ${response.status}`);
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || 'download';
  return { name, content: await response.text() };
}

// A URL names one file, or for ofac-sdn a folder ending in "/" that holds sdn.csv, alt.csv and
// add.csv; anything else is a local path (a folder for ofac-sdn, or the file).
async function readConfiguredSource(source: string, location: string): Promise<ListFile[]> {
  if (!isScreeningSource(source)) throw new ListLoadError(`unknown list source "${source}" (known: ${SCREENING_SOURCES.join(', ')})`);
  if (/^https?:\/\//i.test(location)) {
    if (source === 'ofac-sdn' && location.endsWith('/')) return Promise.all(OFAC_FILES.map((file) => download(new URL(file, location).toString())));
    return [await download(location)];
  }
  return readListFiles(source, [location]);
}

export async function refreshLists(db: Db, sources: ConfiguredSource[], options: { allowShrink?: boolean } = {}): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = [];
  for (const { source, location } of sources) {
    try {
      const files = await readConfiguredSource(source, location);
      outcomes.push({ source, ok: true, result: await loadList(db, source, files, options) });
    } catch (err) {
      // Only the refusal's message: it names the file and the rule, never list content.
      outcomes.push({ source, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return outcomes;
}
