import { prepareEntry, type PreparedEntry, prepareQuery, scoreEntry } from './match';
import { birthYearKeys, indexKeys } from './normalise';
import { queryKeys, rankHits, type ScreeningHit, toHit } from './screen-person';
import { type ListEntry, type PersonQuery } from './types';

// Screening many customers against a set of entries held in memory: the added and changed entries
// of a list update (deltaOf), or every entry in force for a periodic full rescreen
// (activeEntries). The customers come decrypted from the caller, batch by batch; their names are
// looked up in an index of the entries' keys built here, and nothing about them is stored: the
// database never holds a plain-text index of customer names.

export interface Subject extends PersonQuery {
  subjectId: string;
}

export interface SubjectHits {
  subjectId: string;
  // matches only (score >= threshold), best first
  hits: ScreeningHit[];
}

export interface ListMatcher {
  entryCount: number;
  screen(subjects: Subject[]): SubjectHits[];
}

// Candidates scored per subject, as in screenPerson.
const CANDIDATES = 100;

export function createListMatcher(entries: ListEntry[], options: { threshold: number; limit?: number }): ListMatcher {
  const people = entries.filter((entry) => entry.entityType === 'person').map(prepareEntry);
  const index = new Map<string, number[]>();
  people.forEach((prepared: PreparedEntry, position) => {
    const keys = new Set([...prepared.names.flatMap((n) => indexKeys(n.normalised)), ...birthYearKeys(prepared.entry.birthDates)]);
    for (const key of keys) {
      const list = index.get(key);
      if (list) list.push(position);
      else index.set(key, [position]);
    }
  });

  function screenOne(subject: Subject): SubjectHits {
    const query = prepareQuery(subject);
    // Ranked as in screenPerson: shared keys weighted by rarity, a birth year only beside a name key.
    const weights = new Map<number, number>();
    const named = new Set<number>();
    for (const key of queryKeys(subject)) {
      const positions = index.get(key) ?? [];
      const weight = (key.startsWith('t:') ? 2 : 1) / Math.log(1 + positions.length);
      for (const position of positions) {
        weights.set(position, (weights.get(position) ?? 0) + weight);
        if (!key.startsWith('y:')) named.add(position);
      }
    }
    const candidates = [...weights].filter(([position]) => named.has(position)).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, CANDIDATES);
    const hits: ScreeningHit[] = [];
    for (const [position] of candidates) {
      const prepared = people[position]!;
      const scored = scoreEntry(query, prepared);
      if (scored && scored.score >= options.threshold) hits.push(toHit(prepared.entry, scored, options.threshold));
    }
    return { subjectId: subject.subjectId, hits: rankHits(hits, options.limit ?? 10) };
  }

  return {
    entryCount: people.length,
    screen: (subjects) => subjects.map(screenOne),
  };
}
