import { z } from 'zod';
import { type ListGap, listGaps, type ScreeningSource } from '../domain/screening';
import { type Db } from '../infra/db';
import { birthDateSchema, entryNameSchema, type EntityType, type EntryKind, isScreeningSource, type ListEntry } from './types';

// Reading the stored lists: versions, the entries in force, and what a version changed.

export interface ListVersion {
  id: string;
  source: string;
  publisherVersion: string | null;
  fileHash: string;
  entryCount: number;
  addedCount: number;
  changedCount: number;
  removedCount: number;
  previousVersionId: string | null;
  loadedAt: Date;
  /** When a refresh last confirmed this version current (loaded, or the publisher's file found unchanged). */
  checkedAt: Date;
}

export interface EntryRow {
  id: string;
  entryId: string;
  source: string;
  sourceId: string;
  kind: string;
  entityType: string;
  name: string;
  names: unknown;
  birthDates: unknown;
  countries: string[];
  gender: string | null;
  programs: string[];
  contentHash: string;
}

const namesSchema = z.array(entryNameSchema);
const birthDatesSchema = z.array(birthDateSchema);

// The columns are written by our own loader only; a row that does not parse is a bug worth a loud
// failure, not an entry silently left out of screening.
export function entryFromRow(row: EntryRow): ListEntry {
  if (!isScreeningSource(row.source)) throw new Error(`screening entry ${row.id} has an unknown source ${row.source}`);
  return {
    rowId: row.id,
    entryId: row.entryId,
    source: row.source,
    sourceId: row.sourceId,
    contentHash: row.contentHash,
    kind: row.kind as EntryKind,
    entityType: row.entityType as EntityType,
    name: row.name,
    names: namesSchema.parse(row.names),
    birthDates: birthDatesSchema.parse(row.birthDates),
    countries: row.countries,
    gender: row.gender === 'male' || row.gender === 'female' ? row.gender : null,
    programs: row.programs,
  };
}

export const ENTRY_COLUMNS = {
  id: true,
  entryId: true,
  source: true,
  sourceId: true,
  kind: true,
  entityType: true,
  name: true,
  names: true,
  birthDates: true,
  countries: true,
  gender: true,
  programs: true,
  contentHash: true,
} as const;

export async function listVersions(db: Db, options: { source?: string; limit?: number } = {}): Promise<ListVersion[]> {
  return db.screeningListVersion.findMany({
    where: options.source ? { source: options.source } : {},
    orderBy: { loadedAt: 'desc' },
    take: options.limit ?? 50,
  });
}

// The version in force of each source: the latest successful load.
/**
 * The versions in force and the required lists a screening now would miss (domain/screening.ts
 * listGaps): what screening's fail-closed rule reads, in one place.
 */
export async function listsInForce(db: Db, rule: { required: readonly ScreeningSource[]; maxAgeHours: Partial<Record<ScreeningSource, number>> }): Promise<{ inForce: ListVersion[]; gaps: ListGap[] }> {
  const inForce = await activeVersions(db);
  return { inForce, gaps: listGaps({ inForce, required: rule.required, maxAgeHours: rule.maxAgeHours, now: new Date() }) };
}

export async function activeVersions(db: Db): Promise<ListVersion[]> {
  return db.screeningListVersion.findMany({ distinct: ['source'], orderBy: [{ source: 'asc' }, { loadedAt: 'desc' }] });
}

export interface ListDelta {
  version: ListVersion;
  // entries this version added or changed, as this version has them
  entries: (ListEntry & { change: 'added' | 'changed' })[];
  // entry ids this version removed
  removedEntryIds: string[];
}

// What a version changed against the one before it. Rescreening after a list update only needs
// the added and changed entries: a removed entry can produce no new hit.
export async function deltaOf(db: Db, versionId: string): Promise<ListDelta> {
  const version = await db.screeningListVersion.findUnique({ where: { id: versionId } });
  if (!version) throw new Error(`no screening list version ${versionId}`);
  const [added, closed] = await Promise.all([
    db.screeningEntry.findMany({ where: { addedInVersionId: versionId }, select: ENTRY_COLUMNS, orderBy: { entryId: 'asc' } }),
    db.screeningEntry.findMany({ where: { removedInVersionId: versionId }, select: { entryId: true } }),
  ]);
  const closedIds = new Set(closed.map((row) => row.entryId));
  const addedIds = new Set(added.map((row) => row.entryId));
  return {
    version,
    entries: added.map((row) => ({ ...entryFromRow(row), change: closedIds.has(row.entryId) ? ('changed' as const) : ('added' as const) })),
    removedEntryIds: [...closedIds].filter((id) => !addedIds.has(id)).sort(),
  };
}

// Every entry in force, for a full rescreen in memory (some ten thousand entries, a few MB).
export async function activeEntries(db: Db, options: { entityType?: EntityType } = {}): Promise<ListEntry[]> {
  const rows = await db.screeningEntry.findMany({
    where: { removedInVersionId: null, ...(options.entityType ? { entityType: options.entityType } : {}) },
    select: ENTRY_COLUMNS,
  });
  return rows.map(entryFromRow);
}

// The entries that some versions added or changed and that are still in force: what a rescreen
// after those versions must look at (an entry a later version changed again is taken in its
// later form, by that version's own rescreen or by this one if it is among the versions).
export async function entriesInForceAddedBy(db: Db, versionIds: string[]): Promise<ListEntry[]> {
  if (versionIds.length === 0) return [];
  const rows = await db.screeningEntry.findMany({ where: { addedInVersionId: { in: versionIds }, removedInVersionId: null }, select: ENTRY_COLUMNS });
  return rows.map(entryFromRow);
}
