import { distance } from 'fastest-levenshtein';
import jaroWinkler from 'talisman/metrics/jaro-winkler';
import { z } from 'zod';
import { type NameToken, type NormalisedName, normaliseName, tokenId } from './normalise';
import { type BirthDate, type EntryName, entryNameSchema, type ListEntry, type PersonQuery } from './types';

// How much one listed entry looks like one person. Pure code: the same function scores a query
// against entries fetched from the database and a batch of customers against a list delta in
// memory.
//
// The score starts from the best name comparison over the entry's names (a weak alias counts less),
// then the date of birth, country and gender move it up or down. Every step is kept in the
// explanation with the entry's values only: the customer's values never leave the caller.

// Below this a token pair says nothing: "ayman"/"amin" are different names, "zawahiri"/"zawahri" the same.
const MIN_TOKEN_SIMILARITY = 0.78;
const CONTRIBUTION_FLOOR = 0.6;
const SHORT_TOKEN_CAP = 0.8;
// The first unmatched token of the longer name (a middle name the other side left out) costs half,
// once two full tokens are matched: names are often shortened by one part. Further ones cost fully:
// "Maria Garcia" covers only half of "Maria del Rosario Garcia Duran".
const LONGER_SIDE_FIRST_UNMATCHED_COST = 0.5;
const PARTICLE_WEIGHT = 0.25;
const INITIAL_WEIGHT = 0.5;
// "J." may stand for John: a hint, not proof, so it never carries a name on its own.
const INITIAL_SIMILARITY = 0.8;
// A weak alias (a nickname, a low-quality alias) alone must not reach the threshold.
const WEAK_ALIAS_FACTOR = 0.75;
// Below this the name comparison is not worth the rest of the scoring.
const NAME_FLOOR = 0.5;

const ADJUSTMENTS = {
  dob_exact: 0.08,
  dob_day_month_swapped: 0.04,
  dob_year: 0.04,
  dob_in_range: 0.02,
  dob_same_year_other_day: -0.05,
  dob_one_year_apart: -0.08,
  dob_mismatch: -0.25,
  country_match: 0.03,
  country_mismatch: -0.08,
  gender_mismatch: -0.15,
} as const;
export type AdjustmentFactor = keyof typeof ADJUSTMENTS;

const ADJUSTMENT_FACTORS = Object.keys(ADJUSTMENTS) as [AdjustmentFactor, ...AdjustmentFactor[]];

// What a hit shows a reviewer and what is stored with it: the entry's side of every comparison and
// the component scores. The customer's own values never appear in it.
export const explanationSchema = z.object({
  name: z.object({
    score: z.number(),
    matched_name: z.string(),
    name_type: entryNameSchema.shape.type,
    quality: entryNameSchema.shape.quality,
    aligned: z.array(z.object({ entry_token: z.string(), similarity: z.number() })),
    unmatched_entry_tokens: z.array(z.string()),
  }),
  adjustments: z.array(
    z.object({
      factor: z.enum([...ADJUSTMENT_FACTORS, 'weak_alias']),
      effect: z.number(),
      entry_value: z.union([z.string(), z.array(z.string())]).optional(),
    }),
  ),
});
export type Explanation = z.infer<typeof explanationSchema>;
export type TokenAlignment = Explanation['name']['aligned'][number];

export interface EntryScore {
  score: number;
  matchedName: string;
  explanation: Explanation;
}

export interface PreparedQuery {
  names: NormalisedName[];
  units: NameUnits[];
  dateOfBirth: { year: number; month: number | null; day: number | null } | null;
  countries: string[];
  gender: 'male' | 'female' | null;
}

export interface PreparedEntry {
  entry: ListEntry;
  names: { name: EntryName; normalised: NormalisedName; units: NameUnits }[];
}

export function prepareQuery(query: PersonQuery): PreparedQuery {
  const dob = query.dateOfBirth ? /^(\d{4})(?:-(\d{2})-(\d{2}))?$/.exec(query.dateOfBirth) : null;
  const names = query.names.map(normaliseName).filter((n) => n.tokens.some((t) => !t.particle));
  return {
    names,
    units: names.map(units),
    dateOfBirth: dob ? { year: Number(dob[1]), month: dob[2] ? Number(dob[2]) : null, day: dob[3] ? Number(dob[3]) : null } : null,
    countries: (query.countries ?? []).map((c) => c.toUpperCase()),
    gender: query.gender ?? null,
  };
}

export function prepareEntry(entry: ListEntry): PreparedEntry {
  return {
    entry,
    names: entry.names
      .map((name) => ({ name, normalised: normaliseName(name.name) }))
      .filter((n) => n.normalised.tokens.some((t) => !t.particle))
      .map((n) => ({ ...n, units: units(n.normalised) })),
  };
}

// ------------------------------------------------------------------------------------------------
// Names

// One adjacent transposition ("Yakut"/"Yaukt") is one typo, not two substitutions.
function editDistance(a: string, b: string): number {
  if (a.length === b.length && a.length >= 2) {
    let first = -1;
    let differences = 0;
    for (let i = 0; i < a.length && differences <= 2; i++) {
      if (a[i] !== b[i]) {
        if (first < 0) first = i;
        differences++;
      }
    }
    if (differences === 2 && a[first] === b[first + 1] && a[first + 1] === b[first]) return 1;
  }
  return distance(a, b);
}

// The mean of Jaro-Winkler (at most 1) and edit similarity (at most 1 - length difference / longer
// length) cannot reach MIN_TOKEN_SIMILARITY when the lengths differ this much: skip the computation.
function lengthsAllow(a: string, b: string): boolean {
  return 1 - Math.abs(a.length - b.length) / Math.max(a.length, b.length) >= 2 * MIN_TOKEN_SIMILARITY - 1;
}

function stringSimilarity(a: string, b: string): number {
  const editSimilarity = 1 - editDistance(a, b) / Math.max(a.length, b.length);
  // Jaro-Winkler forgives transpositions and rewards a common start; edit distance keeps it from
  // calling short different names similar. Their mean is stricter than either alone.
  return (jaroWinkler(a, b) + editSimilarity) / 2;
}

// Token pairs repeat across entries (Mohammed, Ali, Hassan...): their similarity is computed once,
// remembered by token ids (query id, then entry id), separately for abjad queries.
const SIMILARITY_MEMO_LIMIT = 500_000;
const memos = { latin: new Map<number, Map<number, number>>(), abjad: new Map<number, Map<number, number>>() };
let memoSize = 0;

function skeletonSimilarity(a: string, b: string): number {
  if (a === b) return a.length >= 3 ? 0.97 : a.length === 2 ? 0.93 : a.length === 1 ? 0.85 : 0;
  return Math.min(a.length, b.length) >= 3 ? 0.95 * stringSimilarity(a, b) : 0;
}

// query: a token of the person screened; entry: a token of a listed name. A query written in an
// abjad is compared by consonant skeleton too. The other way round (a Latin query against a listed
// name in its original Arabic script) adds nothing the entry's Latin names do not cover, and a
// skeleton of one or two letters would match half the names written in Latin.
function tokenSimilarity(query: NameToken, entry: NameToken): number {
  if (query.folded === entry.folded) return 1;
  if (query.initial || entry.initial) return query.folded[0] === entry.folded[0] ? INITIAL_SIMILARITY : 0;
  const abjad = query.abjad;
  const memo = abjad ? memos.abjad : memos.latin;
  let row = memo.get(query.id);
  const known = row?.get(entry.id);
  if (known !== undefined) return known;
  let similarity = lengthsAllow(query.folded, entry.folded) ? stringSimilarity(query.folded, entry.folded) : 0;
  if (query.text !== query.folded || entry.text !== entry.folded) {
    if (lengthsAllow(query.text, entry.text)) similarity = Math.max(similarity, stringSimilarity(query.text, entry.text));
  }
  if (query.loose === entry.loose) similarity = Math.max(similarity, 0.95);
  else if ((query.loose !== query.folded || entry.loose !== entry.folded) && lengthsAllow(query.loose, entry.loose)) {
    similarity = Math.max(similarity, stringSimilarity(query.loose, entry.loose) - 0.05);
  }
  // Short names differing by a letter are usually other names (Yan/Jian, Chen/Chan, Kim/Kin).
  // (An abjad's vowel-less forms are short by nature: they are judged by their skeleton.)
  if (!abjad && Math.min(query.folded.length, entry.folded.length) <= 4) similarity = Math.min(similarity, SHORT_TOKEN_CAP);
  if (abjad) similarity = Math.max(similarity, skeletonSimilarity(query.skeleton, entry.skeleton));
  if (memoSize >= SIMILARITY_MEMO_LIMIT) {
    memos.latin.clear();
    memos.abjad.clear();
    memoSize = 0;
    row = undefined;
  }
  if (!row) memo.set(query.id, (row = new Map()));
  row.set(entry.id, similarity);
  memoSize++;
  return similarity;
}

// How much an aligned pair contributes: an exact pair fully, a typo (0.9) three quarters, a
// barely similar pair (0.8) half. A linear share would let two loosely similar tokens
// ("Mary Chen"/"Marial Chan") add up to a match.
function contribution(similarity: number): number {
  return Math.max(0, (similarity - CONTRIBUTION_FLOOR) / (1 - CONTRIBUTION_FLOOR));
}

function weight(token: NameToken): number {
  if (token.particle) return PARTICLE_WEIGHT;
  if (token.initial) return INITIAL_WEIGHT;
  return 1;
}

// A unit is one token, or two adjacent tokens read as one word ("abdul rahman" / "abdulrahman").
interface Unit {
  token: NameToken;
  indexes: number[];
  weight: number;
}

function merged(a: NameToken, b: NameToken): NameToken {
  const text = a.text + b.text;
  return {
    id: tokenId(text),
    text,
    folded: a.folded + b.folded,
    loose: a.loose + b.loose,
    skeleton: a.skeleton + b.skeleton,
    particle: false,
    initial: false,
    abjad: a.abjad || b.abjad,
  };
}

interface NameUnits {
  singles: Unit[];
  pairs: Unit[];
}

function units(name: NormalisedName): NameUnits {
  const tokens = name.tokens;
  const singles = tokens.map((token, i) => ({ token, indexes: [i], weight: weight(token) }));
  const pairs: Unit[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    pairs.push({ token: merged(tokens[i]!, tokens[i + 1]!), indexes: [i, i + 1], weight: weight(tokens[i]!) + weight(tokens[i + 1]!) });
  }
  return { singles, pairs };
}

export interface NameComparison {
  score: number;
  aligned: TokenAlignment[];
  unmatchedEntryTokens: string[];
}

// Aligns the tokens of two names whatever their order, best pairs first, then scores the share of
// both names the alignment covers, weighted by how similar each pair is.
export function compareNames(query: NormalisedName, entry: NormalisedName): NameComparison {
  return compareUnits(units(query), units(entry));
}

// compareNames on names already cut into units: entries and queries are prepared once.
function compareUnits(q: NameUnits, e: NameUnits): NameComparison {
  const candidates: { q: Unit; e: Unit; similarity: number }[] = [];
  const consider = (qu: Unit, eu: Unit) => {
    const similarity = tokenSimilarity(qu.token, eu.token);
    if (similarity >= MIN_TOKEN_SIMILARITY) candidates.push({ q: qu, e: eu, similarity });
  };
  for (const qu of q.singles) for (const eu of e.singles) consider(qu, eu);
  for (const qu of q.pairs) for (const eu of e.singles) if (!eu.token.particle) consider(qu, eu);
  for (const qu of q.singles) if (!qu.token.particle) for (const eu of e.pairs) consider(qu, eu);
  // Best pairs first; among equals, the one covering more tokens, then non-particles.
  candidates.sort((x, y) => y.similarity - x.similarity || y.q.indexes.length + y.e.indexes.length - (x.q.indexes.length + x.e.indexes.length) || y.q.weight + y.e.weight - (x.q.weight + x.e.weight));

  const usedQ = new Set<number>();
  const usedE = new Set<number>();
  const chosen: typeof candidates = [];
  for (const candidate of candidates) {
    if (candidate.q.indexes.some((i) => usedQ.has(i)) || candidate.e.indexes.some((i) => usedE.has(i))) continue;
    chosen.push(candidate);
    candidate.q.indexes.forEach((i) => usedQ.add(i));
    candidate.e.indexes.forEach((i) => usedE.add(i));
  }

  const unmatchedQ = q.singles.filter((u) => !usedQ.has(u.indexes[0]!));
  const unmatchedE = e.singles.filter((u) => !usedE.has(u.indexes[0]!));
  const substantive = (list: Unit[]) => list.filter((u) => !u.token.particle).reduce((sum, u) => sum + u.weight, 0);
  const queryIsShorter = substantive(q.singles) <= substantive(e.singles);
  const strongPairs = chosen.filter((c) => !c.q.token.particle && !c.e.token.particle && !c.q.token.initial && !c.e.token.initial).length;
  // An unmatched particle costs nothing: "al" or "bin" present on one side only says nothing.
  const cost = (list: Unit[], longer: boolean) => {
    const weights = list.filter((u) => !u.token.particle).map((u) => u.weight);
    const total = weights.reduce((sum, w) => sum + w, 0);
    return longer && strongPairs >= 2 && weights.length > 0 ? total - weights[0]! * (1 - LONGER_SIDE_FIRST_UNMATCHED_COST) : total;
  };

  let numerator = 0;
  let pairWeight = 0;
  for (const c of chosen) {
    // A consonant skeleton is all an abjad leaves to compare: its similarity is already a verdict.
    const share = c.q.token.abjad ? c.similarity : contribution(c.similarity);
    numerator += share * (c.q.weight + c.e.weight);
    pairWeight += c.q.weight + c.e.weight;
  }
  const denominator = pairWeight + cost(unmatchedQ, !queryIsShorter) + cost(unmatchedE, queryIsShorter);
  return {
    score: denominator === 0 || strongPairs === 0 ? 0 : numerator / denominator,
    aligned: chosen.filter((c) => !c.e.token.particle).map((c) => ({ entry_token: c.e.token.text, similarity: round(c.similarity) })),
    unmatchedEntryTokens: unmatchedE.filter((u) => !u.token.particle).map((u) => u.token.text),
  };
}

// ------------------------------------------------------------------------------------------------
// Date of birth, country, gender

type Dob = NonNullable<PreparedQuery['dateOfBirth']>;

function dobRelation(query: Dob, listed: BirthDate): AdjustmentFactor {
  if ('from' in listed) {
    const from = Number(listed.from);
    const to = Number(listed.to);
    if (query.year >= from && query.year <= to) return 'dob_in_range';
    return Math.min(Math.abs(query.year - from), Math.abs(query.year - to)) === 1 ? 'dob_one_year_apart' : 'dob_mismatch';
  }
  const [year, month, day] = listed.date.split('-').map(Number) as [number, number | undefined, number | undefined];
  const yearsApart = Math.abs(query.year - year);
  if (listed.approximate) return yearsApart <= 1 ? 'dob_in_range' : yearsApart === 2 ? 'dob_one_year_apart' : 'dob_mismatch';
  if (yearsApart === 1) return 'dob_one_year_apart';
  if (yearsApart > 1) return 'dob_mismatch';
  if (query.month === null || month === undefined) return 'dob_year';
  if (day === undefined) return query.month === month ? 'dob_year' : 'dob_same_year_other_day';
  if (query.month === month && query.day === day) return 'dob_exact';
  if (query.month === day && query.day === month) return 'dob_day_month_swapped';
  return 'dob_same_year_other_day';
}

function formatDob(date: BirthDate): string {
  return 'from' in date ? `${date.from}..${date.to}` : `${date.date}${date.approximate ? ' (approximately)' : ''}`;
}

function adjustments(query: PreparedQuery, entry: ListEntry): Explanation['adjustments'] {
  const result: Explanation['adjustments'] = [];
  if (query.dateOfBirth && entry.birthDates.length > 0) {
    const dob = query.dateOfBirth;
    const best = entry.birthDates
      .map((listed) => ({ listed, factor: dobRelation(dob, listed) }))
      .reduce((a, b) => (ADJUSTMENTS[b.factor] > ADJUSTMENTS[a.factor] ? b : a));
    result.push({ factor: best.factor, effect: ADJUSTMENTS[best.factor], entry_value: formatDob(best.listed) });
  }
  if (query.countries.length > 0 && entry.countries.length > 0) {
    const factor = query.countries.some((c) => entry.countries.includes(c)) ? 'country_match' : 'country_mismatch';
    result.push({ factor, effect: ADJUSTMENTS[factor], entry_value: entry.countries });
  }
  if (query.gender && entry.gender && query.gender !== entry.gender) {
    result.push({ factor: 'gender_mismatch', effect: ADJUSTMENTS.gender_mismatch, entry_value: entry.gender });
  }
  return result;
}

// ------------------------------------------------------------------------------------------------

export function scoreEntry(query: PreparedQuery, prepared: PreparedEntry): EntryScore | null {
  let best: { comparison: NameComparison; name: EntryName; weighted: number } | null = null;
  for (const queryName of query.units) {
    for (const { name, units: entryName } of prepared.names) {
      const comparison = compareUnits(queryName, entryName);
      const weighted = comparison.score * (name.quality === 'weak' ? WEAK_ALIAS_FACTOR : 1);
      if (!best || weighted > best.weighted) best = { comparison, name, weighted };
    }
  }
  if (!best || best.comparison.score < NAME_FLOOR) return null;
  const steps = adjustments(query, prepared.entry);
  if (best.name.quality === 'weak') steps.unshift({ factor: 'weak_alias', effect: round(best.weighted - best.comparison.score) });
  const score = Math.min(1, Math.max(0, best.comparison.score + steps.reduce((sum, s) => sum + s.effect, 0)));
  return {
    score: round(score),
    matchedName: best.name.name,
    explanation: {
      name: {
        score: round(best.comparison.score),
        matched_name: best.name.name,
        name_type: best.name.type,
        quality: best.name.quality,
        aligned: best.comparison.aligned,
        unmatched_entry_tokens: best.comparison.unmatchedEntryTokens,
      },
      adjustments: steps,
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
