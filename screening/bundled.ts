import path from 'node:path';
import { type Db } from '../infra/db';
import { loadList, readListFiles } from './load-list';
import { type ScreeningSource } from './types';

// Public list copies shipped with the service (screening/data, see its README), so that a fresh
// installation screens out of the box. Configured sources (SCREENING_SOURCES) replace them with
// their first successful refresh.
const DATA = path.join(__dirname, 'data');

export const BUNDLED_LISTS: { source: ScreeningSource; paths: string[] }[] = [
  { source: 'ofac-sdn', paths: [path.join(DATA, 'ofac-sdn')] },
  { source: 'un-sc', paths: [path.join(DATA, 'un-sc', 'consolidated.xml')] },
  { source: 'opensanctions', paths: [path.join(DATA, 'opensanctions', 'entities.ftm.json')] },
];

export interface BundledListStatus {
  source: ScreeningSource;
  status: 'loaded' | 'present';
  versionId: string;
}

// Loads each bundled list whose source has no version yet; a source that has one (bundled or
// refreshed) is left alone. Safe to call at every start, from several processes at once: loads of
// one source are serialised and the second sees the first's version.
export async function ensureBundledLists(db: Db): Promise<BundledListStatus[]> {
  const statuses: BundledListStatus[] = [];
  for (const { source, paths } of BUNDLED_LISTS) {
    const existing = await db.screeningListVersion.findFirst({ where: { source }, orderBy: { loadedAt: 'desc' }, select: { id: true } });
    if (existing) {
      statuses.push({ source, status: 'present', versionId: existing.id });
      continue;
    }
    const result = await loadList(db, source, await readListFiles(source, paths));
    statuses.push({ source, status: result.status === 'loaded' ? 'loaded' : 'present', versionId: result.version.id });
  }
  return statuses;
}
