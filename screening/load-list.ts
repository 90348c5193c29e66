import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Db } from '../infra/db';
import { ENTRY_COLUMNS, entryFromRow, type ListVersion } from './lists';
import { birthYearKeys, indexKeys, normaliseName } from './normalise';
import { ListFormatError, ListLoadError } from './parsers/list-errors';
import { parseOfacSdn } from './parsers/ofac-sdn';
import { parseFollowTheMoney } from './parsers/opensanctions';
import { parseUnConsolidated } from './parsers/un-sc';
import { entryIdOf, isScreeningSource, type ParsedEntry, SCREENING_SOURCES, type ScreeningSource } from './types';

// Loading one publication of a list as a new version, in one transaction: the entries it adds,
// changes (same id, other content) and removes against the version in force are computed by the
// source's own ids and a hash of each entry's content. A file that does not parse, or yields far
// fewer entries than the version in force, is refused before anything is written, so a broken
// feed never empties a list.

export interface ListFile {
  name: string;
  content: string;
}

export interface LoadOptions {
  // Accept a version with far fewer entries than the one in force (a programme really lifted).
  allowShrink?: boolean;
}

export interface LoadResult {
  status: 'loaded' | 'unchanged';
  version: ListVersion;
}

// A new version must keep at least this share of the entries in force, unless allowShrink.
const MIN_SHARE_OF_PREVIOUS = 0.8;
const INSERT_CHUNK = 1000;
const TOKEN_CHUNK = 20_000;
// The first load of the full lists writes some ten thousand entries and their index keys.
const LOAD_TRANSACTION_TIMEOUT_MS = 10 * 60_000;

const OFAC_FILES = ['sdn.csv', 'alt.csv', 'add.csv'] as const;

// The files of a source given on the command line or in SCREENING_SOURCES: ofac-sdn takes a folder
// holding sdn.csv, alt.csv and add.csv, or the three files; the others take one file.
export async function readListFiles(source: string, paths: string[]): Promise<ListFile[]> {
  if (!isScreeningSource(source)) throw new ListLoadError(`unknown list source "${source}" (known: ${SCREENING_SOURCES.join(', ')})`);
  if (paths.length === 0) throw new ListLoadError(`no file given for ${source}`);
  let files = paths;
  if (source === 'ofac-sdn' && paths.length === 1 && (await stat(paths[0]!)).isDirectory()) {
    const folder = paths[0]!;
    const names = await readdir(folder);
    files = OFAC_FILES.map((wanted) => {
      const found = names.find((name) => name.toLowerCase() === wanted);
      if (!found) throw new ListLoadError(`${folder} has no ${wanted} (ofac-sdn needs sdn.csv, alt.csv and add.csv)`);
      return path.join(folder, found);
    });
  }
  return Promise.all(files.map(async (file) => ({ name: path.basename(file), content: await readFile(file, 'utf8') })));
}

function fileHash(files: ListFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) hash.update(file.name).update('\0').update(file.content).update('\0');
  return hash.digest('hex');
}

function contentHash(entry: ParsedEntry): string {
  const canonical = [entry.kind, entry.entityType, entry.name, entry.names, entry.birthDates, entry.countries, entry.gender, entry.programs];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

type Parsed =
  | { kind: 'full'; entries: ParsedEntry[]; publisherVersion: string | null }
  | { kind: 'delta'; apply(current: Map<string, ParsedEntry>): ParsedEntry[] };

function parseFiles(source: ScreeningSource, files: ListFile[]): Parsed {
  switch (source) {
    case 'ofac-sdn': {
      const byName = new Map(files.map((f) => [f.name.toLowerCase(), f.content]));
      const missing = OFAC_FILES.filter((name) => !byName.has(name));
      if (missing.length || files.length !== OFAC_FILES.length) {
        throw new ListLoadError(`ofac-sdn needs exactly sdn.csv, alt.csv and add.csv (missing: ${missing.join(', ') || 'none'}; given: ${files.map((f) => f.name).join(', ')})`);
      }
      return { kind: 'full', entries: parseOfacSdn({ sdn: byName.get('sdn.csv')!, alt: byName.get('alt.csv')!, add: byName.get('add.csv')! }), publisherVersion: null };
    }
    case 'un-sc': {
      if (files.length !== 1) throw new ListLoadError(`un-sc takes one XML file, ${files.length} given`);
      const { entries, publisherVersion } = parseUnConsolidated(files[0]!.content);
      return { kind: 'full', entries, publisherVersion };
    }
    case 'opensanctions': {
      if (files.length !== 1) throw new ListLoadError(`opensanctions takes one entities.ftm.json or delta file, ${files.length} given`);
      const content = parseFollowTheMoney(files[0]!.content);
      if (content.kind === 'entities') return { kind: 'full', entries: content.entries, publisherVersion: null };
      return {
        kind: 'delta',
        apply(current) {
          const next = new Map(current);
          for (const change of content.changes) {
            if (change.op === 'DEL') next.delete(change.sourceId);
            else if (change.entry) next.set(change.sourceId, change.entry);
            // A change that turns an entity into a non-target takes it off the list.
            else next.delete(change.sourceId);
          }
          return [...next.values()];
        },
      };
    }
  }
}

function parsedFromStored(row: Parameters<typeof entryFromRow>[0]): ParsedEntry {
  const entry = entryFromRow(row);
  return { sourceId: entry.sourceId, kind: entry.kind, entityType: entry.entityType, name: entry.name, names: entry.names, birthDates: entry.birthDates, countries: entry.countries, gender: entry.gender, programs: entry.programs };
}

// People's keys are bare; other entities' keys carry their type ("organization|t:cimex"), so a
// person's screening never even reads them.
function keysOf(entry: ParsedEntry): string[] {
  const keys = new Set<string>();
  for (const name of entry.names) for (const key of indexKeys(normaliseName(name.name))) keys.add(key);
  for (const key of birthYearKeys(entry.birthDates)) keys.add(key);
  const prefix = entry.entityType === 'person' ? '' : `${entry.entityType}|`;
  return [...keys].map((key) => prefix + key);
}

export async function loadList(db: Db, source: string, files: ListFile[], options: LoadOptions = {}): Promise<LoadResult> {
  if (!isScreeningSource(source)) throw new ListLoadError(`unknown list source "${source}" (known: ${SCREENING_SOURCES.join(', ')})`);
  const hash = fileHash(files);
  const parsed = parseFiles(source, files);

  return db.$transaction(
    async (tx) => {
      // One load per source at a time: the second waits and then sees the first one's version.
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`screening-load:${source}`}))) AS lock`;
      const previous = await tx.screeningListVersion.findFirst({ where: { source }, orderBy: { loadedAt: 'desc' } });
      // The publisher's file as it was: the version in force is confirmed current (its age, which
      // screening's fail-closed rule reads, counts from now).
      if (previous?.fileHash === hash) return { status: 'unchanged' as const, version: await tx.screeningListVersion.update({ where: { id: previous.id }, data: { checkedAt: new Date() } }) };

      const currentRows = await tx.screeningEntry.findMany({ where: { source, removedInVersionId: null }, select: ENTRY_COLUMNS });
      let entries: ParsedEntry[];
      let publisherVersion: string | null = null;
      if (parsed.kind === 'delta') {
        if (!previous) throw new ListLoadError(`${files[0]!.name} is a delta file: load a full ${source} export first`);
        entries = parsed.apply(new Map(currentRows.map((row) => [row.sourceId, parsedFromStored(row)])));
      } else {
        entries = parsed.entries;
        publisherVersion = parsed.publisherVersion;
      }
      if (entries.length === 0) throw new ListFormatError(files.map((f) => f.name).join(', '), 'no entries');
      if (previous && !options.allowShrink && entries.length < previous.entryCount * MIN_SHARE_OF_PREVIOUS) {
        throw new ListLoadError(
          `${source}: implausibly small: ${entries.length} entries against ${previous.entryCount} in the version in force (${previous.id}); ` +
            `a load must keep ${MIN_SHARE_OF_PREVIOUS * 100}% unless the shrink is confirmed (--allow-shrink)`,
        );
      }

      const currentBySourceId = new Map(currentRows.map((row) => [row.sourceId, row]));
      const incoming = new Map(entries.map((entry) => [entry.sourceId, { entry, hash: contentHash(entry) }]));
      const toInsert: { entry: ParsedEntry; hash: string }[] = [];
      const toClose: string[] = [];
      let added = 0;
      let changed = 0;
      for (const [sourceId, item] of incoming) {
        const current = currentBySourceId.get(sourceId);
        if (!current) {
          added++;
          toInsert.push(item);
        } else if (current.contentHash !== item.hash) {
          changed++;
          toInsert.push(item);
          toClose.push(current.id);
        }
      }
      const removed = currentRows.filter((row) => !incoming.has(row.sourceId));
      toClose.push(...removed.map((row) => row.id));

      const version = await tx.screeningListVersion.create({
        data: {
          source,
          publisherVersion,
          fileHash: hash,
          entryCount: incoming.size,
          addedCount: added,
          changedCount: changed,
          removedCount: removed.length,
          previousVersionId: previous?.id ?? null,
          // Taken after the lock: the transaction's own start time may precede the load it waited for.
          loadedAt: new Date(),
        },
      });
      if (toClose.length) {
        await tx.screeningEntry.updateMany({ where: { id: { in: toClose } }, data: { removedInVersionId: version.id } });
        await tx.screeningEntryToken.deleteMany({ where: { entryRowId: { in: toClose } } });
      }
      const tokenKeys: string[] = [];
      const tokenRows: string[] = [];
      for (let i = 0; i < toInsert.length; i += INSERT_CHUNK) {
        const chunk = toInsert.slice(i, i + INSERT_CHUNK).map(({ entry, hash: entryHash }) => ({ id: randomUUID(), entry, entryHash }));
        await tx.screeningEntry.createMany({
          data: chunk.map(({ id, entry, entryHash }) => ({
            id,
            entryId: entryIdOf(source, entry.sourceId),
            source,
            sourceId: entry.sourceId,
            kind: entry.kind,
            entityType: entry.entityType,
            name: entry.name,
            names: entry.names,
            birthDates: entry.birthDates,
            countries: entry.countries,
            gender: entry.gender,
            programs: entry.programs,
            contentHash: entryHash,
            addedInVersionId: version.id,
          })),
        });
        for (const { id, entry } of chunk) {
          for (const key of keysOf(entry)) {
            tokenKeys.push(key);
            tokenRows.push(id);
          }
        }
      }
      for (let i = 0; i < tokenKeys.length; i += TOKEN_CHUNK) {
        const keys = tokenKeys.slice(i, i + TOKEN_CHUNK);
        const rows = tokenRows.slice(i, i + TOKEN_CHUNK);
        await tx.$executeRaw`INSERT INTO screening_entry_tokens (key, entry_row_id) SELECT * FROM unnest(${keys}::text[], ${rows}::uuid[])`;
      }
      return { status: 'loaded' as const, version };
    },
    { timeout: LOAD_TRANSACTION_TIMEOUT_MS, maxWait: LOAD_TRANSACTION_TIMEOUT_MS },
  );
}
