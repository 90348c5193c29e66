import { z } from 'zod';
import { type EntryKind, type ScreeningSource } from '../domain/screening';

// The shapes shared by the parsers, the store and the matcher. An entry is public list data;
// nothing in this file ever holds a customer's values.

export { ENTRY_KINDS, type EntryKind, isScreeningSource, SCREENING_SOURCES, type ScreeningSource } from '../domain/screening';

export const ENTITY_TYPES = ['person', 'organization', 'vessel', 'aircraft'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

// Lists say how much an alias can be trusted: OFAC puts weak aliases in quotes in its remarks,
// the UN marks them "Low", FollowTheMoney has weakAlias. A weak alias alone is not a match.
export const entryNameSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['primary', 'aka', 'fka', 'nka', 'original_script']),
  quality: z.enum(['strong', 'weak']),
});
export type EntryName = z.infer<typeof entryNameSchema>;

// A date of birth as lists publish it: a full date, a month, a year, or a range of years.
export const birthDateSchema = z.union([
  z.object({ date: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/), approximate: z.boolean().optional() }),
  z.object({ from: z.string().regex(/^\d{4}$/), to: z.string().regex(/^\d{4}$/) }),
]);
export type BirthDate = z.infer<typeof birthDateSchema>;

// What a parser yields for one entry, before it is stored.
export interface ParsedEntry {
  sourceId: string;
  kind: EntryKind;
  entityType: EntityType;
  name: string;
  names: EntryName[];
  birthDates: BirthDate[];
  countries: string[];
  gender: 'male' | 'female' | null;
  programs: string[];
}

// An entry as the matcher sees it: a parsed entry with its identity in the store.
export interface ListEntry extends ParsedEntry {
  rowId: string;
  entryId: string;
  source: ScreeningSource;
  contentHash: string;
}

export function entryIdOf(source: ScreeningSource, sourceId: string): string {
  return `${source}:${sourceId}`;
}

// The input of one screening. Customer values: the caller holds them decrypted in memory only.
export interface PersonQuery {
  names: string[];
  dateOfBirth?: string;
  countries?: string[];
  gender?: 'male' | 'female';
}
