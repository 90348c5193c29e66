import { z } from 'zod';
import { countryCode } from '../countries';
import { type BirthDate, type EntityType, type EntryKind, type EntryName, type ParsedEntry } from '../types';
import { ListFormatError } from './list-errors';

// OpenSanctions' FollowTheMoney exports: entities.ftm.json holds one JSON entity per line
// ({ id, schema, properties: { name: [...], ... }, target, ... }); a delta file holds one change per
// line ({ op: "ADD" | "MOD" | "DEL", entity }), where a DEL carries only the entity's id. Only
// targets (the listed people and organisations, not their addresses, sanctions or relations) are
// entries.

const FILE = 'FollowTheMoney file';

const entitySchema = z.object({
  id: z.string().min(1),
  schema: z.string().min(1),
  properties: z.record(z.string(), z.array(z.string())).default({}),
  target: z.boolean().optional(),
});
type FtmEntity = z.infer<typeof entitySchema>;

const deltaLineSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('ADD'), entity: entitySchema }),
  z.object({ op: z.literal('MOD'), entity: entitySchema }),
  z.object({ op: z.literal('DEL'), entity: z.object({ id: z.string().min(1) }) }),
]);

const ENTITY_TYPES: Record<string, EntityType> = {
  Person: 'person',
  Organization: 'organization',
  Company: 'organization',
  LegalEntity: 'organization',
  PublicBody: 'organization',
  Vessel: 'vessel',
  Airplane: 'aircraft',
};

function kindOf(topics: string[]): EntryKind {
  if (topics.some((t) => t === 'sanction' || t.startsWith('sanction.'))) return 'sanction';
  if (topics.some((t) => t.startsWith('crime') || t === 'wanted')) return 'crime';
  if (topics.includes('role.pep')) return 'pep';
  if (topics.includes('role.rca')) return 'rca';
  return 'other';
}

function birthDate(value: string): BirthDate | null {
  const match = /^(\d{4})(-\d{2})?(-\d{2})?/.exec(value);
  return match ? { date: match[0] } : null;
}

// An entity that is no screening entry (not a target, or a schema that names no one) yields null.
function toEntry(entity: FtmEntity): ParsedEntry | null {
  const entityType = ENTITY_TYPES[entity.schema];
  if (!entityType || entity.target === false) return null;
  const p = entity.properties;
  const list = (key: string) => (p[key] ?? []).map((v) => v.trim()).filter(Boolean);
  const composed = [list('firstName')[0], list('middleName')[0], list('lastName')[0]].filter(Boolean).join(' ');
  const primary = list('name')[0] ?? composed;
  if (!primary) return null;
  const names: EntryName[] = [
    { name: primary, type: 'primary', quality: 'strong' },
    ...list('name').slice(1).map((name): EntryName => ({ name, type: 'aka', quality: 'strong' })),
    ...list('alias').map((name): EntryName => ({ name, type: 'aka', quality: 'strong' })),
    ...list('previousName').map((name): EntryName => ({ name, type: 'fka', quality: 'strong' })),
    ...list('weakAlias').map((name): EntryName => ({ name, type: 'aka', quality: 'weak' })),
  ];
  const gender = list('gender')[0]?.toLowerCase();
  return {
    sourceId: entity.id,
    kind: kindOf(list('topics')),
    entityType,
    name: primary,
    names: names.filter((n, i) => names.findIndex((m) => m.name === n.name) === i),
    birthDates: list('birthDate').map(birthDate).filter((d): d is BirthDate => d !== null),
    countries: [...new Set([...list('nationality'), ...list('citizenship'), ...list('country')].map(countryCode).filter((c): c is string => c !== null))].sort(),
    gender: gender === 'male' || gender === 'female' ? gender : null,
    programs: list('programId'),
  };
}

function jsonLines(text: string): { line: number; value: unknown }[] {
  const lines = text.split('\n');
  const result: { line: number; value: unknown }[] = [];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    try {
      result.push({ line: index + 1, value: JSON.parse(line) });
    } catch {
      throw new ListFormatError(FILE, `line ${index + 1}: not a JSON object (truncated file?)`);
    }
  });
  if (result.length === 0) throw new ListFormatError(FILE, 'no entities');
  return result;
}

function issueText(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ');
}

export type FtmContent =
  | { kind: 'entities'; entries: ParsedEntry[] }
  | { kind: 'delta'; changes: ({ op: 'ADD' | 'MOD'; sourceId: string; entry: ParsedEntry | null } | { op: 'DEL'; sourceId: string })[] };

// Tells an entities file from a delta file by its first line, then reads every line as that kind.
export function parseFollowTheMoney(text: string): FtmContent {
  const lines = jsonLines(text);
  const first = lines[0]!.value;
  const isDelta = typeof first === 'object' && first !== null && 'op' in first;
  if (isDelta) {
    const changes = lines.map(({ line, value }) => {
      const parsed = deltaLineSchema.safeParse(value);
      if (!parsed.success) throw new ListFormatError(FILE, `line ${line}: not a delta line: ${issueText(parsed.error)}`);
      const change = parsed.data;
      if (change.op === 'DEL') return { op: 'DEL' as const, sourceId: change.entity.id };
      return { op: change.op, sourceId: change.entity.id, entry: toEntry(change.entity) };
    });
    return { kind: 'delta', changes };
  }
  const entries: ParsedEntry[] = [];
  const seen = new Set<string>();
  for (const { line, value } of lines) {
    const parsed = entitySchema.safeParse(value);
    if (!parsed.success) throw new ListFormatError(FILE, `line ${line}: not a FollowTheMoney entity: ${issueText(parsed.error)}`);
    if (seen.has(parsed.data.id)) throw new ListFormatError(FILE, `line ${line}: entity ${parsed.data.id} appears twice`);
    seen.add(parsed.data.id);
    const entry = toEntry(parsed.data);
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) throw new ListFormatError(FILE, 'no target Person, Organization, Company, Vessel or Airplane entity');
  return { kind: 'entities', entries };
}
