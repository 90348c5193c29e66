import { prepareEntry, type PreparedEntry, prepareQuery, scoreEntry } from './match';
import { indexKeys } from './normalise';
import { rankHits, type ScreeningHit, toHit } from './screen-person';
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
const CANDIDATES = 200;

export function createListMatcher(entries: ListEntry[], options: { threshold: number; limit?: number }): ListMatcher {
  const people = entries.filter((entry) => entry.entityType === 'person').map(prepareEntry);
  const index = new Map<string, number[]>();
  people.forEach((prepared: PreparedEntry, position) => {
    const keys = new Set(prepared.names.flatMap((n) => indexKeys(n.normalised)));
    for (const key of keys) {
      const list = index.get(key);
      if (list) list.push(position);
      else index.set(key, [position]);
    }
  });

  function screenOne(subject: Subject): SubjectHits {
    const query = prepareQuery(subject);
    const weights = new Map<number, number>();
    for (const key of new Set(query.names.flatMap(indexKeys))) {
      const weight = key.startsWith('t:') ? 2 : 1;
      for (const position of index.get(key) ?? []) weights.set(position, (weights.get(position) ?? 0) + weight);
    }
    const candidates = [...weights].sort((a, b) => b[1] - a[1]).slice(0, CANDIDATES);
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
