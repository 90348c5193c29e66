import { Prisma } from '../generated/prisma/client';
import { type Db, runStatement } from '../infra/db';
import { ENTRY_COLUMNS, type EntryRow, entryFromRow } from './lists';
import { type Explanation, type PreparedEntry, prepareEntry, prepareQuery, scoreEntry } from './match';
import { birthYearKeys, indexKeys } from './normalise';
import { type EntryKind, type ListEntry, type PersonQuery, type ScreeningSource } from './types';

// Screening one person against the lists in force. Candidates come from the key index (entries
// sharing a name token, a phonetic key or a consonant skeleton with one of the person's names),
// never from a scan of the entries; only those candidates are scored.

export interface ScreeningHit {
  // "<source>:<the source's own id>", e.g. "ofac-sdn:12345"
  entryId: string;
  source: ScreeningSource;
  kind: EntryKind;
  // the entry's primary name
  entryName: string;
  // the entry's name (primary or alias) that matched best
  matchedName: string;
  score: number;
  match: boolean;
  explanation: Explanation;
  // the entry's content as screened: a clearance applies to this content only
  entryContentHash: string;
}

export interface ScreeningResult {
  hits: ScreeningHit[];
  // the list versions in force when the person was screened, one per source
  listVersionIds: string[];
  threshold: number;
}

export interface ScreenOptions {
  // SCREENING_MATCH_THRESHOLD: hits at or above it are matches
  threshold: number;
  // how many hits to return, best first (matches and the closest non-matches)
  limit?: number;
}

const DEFAULT_LIMIT = 10;
// Candidates scored per query. They are ranked by the index keys they share with the query, each
// weighted by its rarity among the matching keys (a shared "Mohammed" says less than a shared
// "Zawahiri"), an exact token twice a phonetic or skeleton key, plus a shared birth year; the
// true entry is in the first few dozen.
const CANDIDATES = 100;

// Entry rows never change (a new version adds new rows), so their normalised names can be kept:
// the lists in force fit (some ten thousand entries).
const PREPARED_LIMIT = 50_000;
const prepared = new Map<string, PreparedEntry>();

function remember(row: EntryRow): PreparedEntry {
  const entry = prepareEntry(entryFromRow(row));
  if (prepared.size >= PREPARED_LIMIT) prepared.clear();
  prepared.set(row.id, entry);
  return entry;
}

export function toHit(entry: ListEntry, scored: NonNullable<ReturnType<typeof scoreEntry>>, threshold: number): ScreeningHit {
  return {
    entryId: entry.entryId,
    source: entry.source,
    kind: entry.kind,
    entryName: entry.name,
    matchedName: scored.matchedName,
    score: scored.score,
    match: scored.score >= threshold,
    explanation: scored.explanation,
    entryContentHash: entry.contentHash,
  };
}

export function rankHits(hits: ScreeningHit[], limit: number): ScreeningHit[] {
  return hits.sort((a, b) => b.score - a.score || a.entryId.localeCompare(b.entryId)).slice(0, limit);
}

// The entries sharing most index keys with a query, and the versions in force, read in one
// statement so that both come from one snapshot: a load committing meanwhile cannot mix an old
// version's id with a new version's entries.
export async function findCandidates(db: Db, keys: string[], limit = CANDIDATES): Promise<{ entryRowIds: string[]; listVersionIds: string[] }> {
  const found = await runStatement<{ kind: 'entry' | 'version'; id: string }>(
    db,
    Prisma.sql`
    WITH matched AS (
      SELECT t.entry_row_id, t.key, count(*) OVER (PARTITION BY t.key) AS df
      FROM screening_entry_tokens t
      WHERE t.key = ANY(${keys}::text[])
    ), candidates AS (
      SELECT entry_row_id, sum(CASE left(key, 2) WHEN 't:' THEN 2 ELSE 1 END / ln(1 + df)) AS weight
      FROM matched
      GROUP BY entry_row_id
      HAVING bool_or(left(key, 2) <> 'y:')
    ), ranked AS (
      SELECT entry_row_id AS id FROM candidates ORDER BY weight DESC, entry_row_id LIMIT ${limit}
    )
    SELECT 'entry' AS kind, id::text AS id FROM ranked
    UNION ALL
    SELECT 'version' AS kind, v.id::text AS id FROM (
      SELECT DISTINCT ON (source) id, source FROM screening_list_versions ORDER BY source, loaded_at DESC
    ) v`,
  );
  return {
    entryRowIds: found.filter((row) => row.kind === 'entry').map((row) => row.id),
    listVersionIds: found.filter((row) => row.kind === 'version').map((row) => row.id),
  };
}

async function preparedEntries(db: Db, rowIds: string[]): Promise<PreparedEntry[]> {
  // Entry rows are immutable: those not prepared yet can be read after the snapshot.
  const missing = rowIds.filter((id) => !prepared.has(id));
  if (missing.length) {
    const rows = await db.screeningEntry.findMany({ where: { id: { in: missing } }, select: ENTRY_COLUMNS });
    for (const row of rows) remember(row);
  }
  return rowIds.map((id) => prepared.get(id)).filter((entry): entry is PreparedEntry => entry !== undefined);
}

// Prepares every person entry in force, so that the first screenings after a start do not pay for
// normalising their candidates' names (a few hundred milliseconds for the full lists).
export async function warmScreeningCache(db: Db): Promise<number> {
  const rows = await db.screeningEntry.findMany({ where: { removedInVersionId: null, entityType: 'person' }, select: ENTRY_COLUMNS });
  for (const row of rows) if (!prepared.has(row.id)) remember(row);
  return rows.length;
}

// The keys a query looks up: those of its names, and its birth year.
export function queryKeys(person: PersonQuery): string[] {
  const names = prepareQuery(person).names.flatMap(indexKeys);
  const year = person.dateOfBirth ? birthYearKeys([{ date: person.dateOfBirth }]) : [];
  return [...new Set([...names, ...year])];
}

export async function screenPerson(db: Db, person: PersonQuery, options: ScreenOptions): Promise<ScreeningResult> {
  const query = prepareQuery(person);
  const keys = queryKeys(person);
  const { entryRowIds, listVersionIds } = await findCandidates(db, keys);
  const hits: ScreeningHit[] = [];
  for (const entry of await preparedEntries(db, entryRowIds)) {
    const scored = scoreEntry(query, entry);
    if (scored) hits.push(toHit(entry.entry, scored, options.threshold));
  }
  return { hits: rankHits(hits, options.limit ?? DEFAULT_LIMIT), listVersionIds, threshold: options.threshold };
}

// The best hit of each entry among several lists of hits (one person screened under several
// identities: as submitted, and as the identity vendor read the document), best first.
export function mergeHits(lists: ScreeningHit[][], limit: number): ScreeningHit[] {
  const best = new Map<string, ScreeningHit>();
  for (const hit of lists.flat()) {
    const current = best.get(hit.entryId);
    if (!current || hit.score > current.score) best.set(hit.entryId, hit);
  }
  return rankHits([...best.values()], limit);
}

// One person known under several identities, screened under each; the hits merged.
export async function screenIdentities(db: Db, identities: PersonQuery[], options: ScreenOptions): Promise<ScreeningResult> {
  const results = await Promise.all(identities.map((person) => screenPerson(db, person, options)));
  return {
    hits: mergeHits(results.map((r) => r.hits), options.limit ?? DEFAULT_LIMIT),
    listVersionIds: [...new Set(results.flatMap((r) => r.listVersionIds))].sort(),
    threshold: options.threshold,
  };
}
