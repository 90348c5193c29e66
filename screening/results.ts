import { randomUUID } from 'node:crypto';
import { type Prisma } from '../generated/prisma/client';
import { type Db } from '../infra/db';
import { type ScreeningHit } from './screen-person';

// What screening found about a subject, and what reviewers decided about it. A run records which
// list versions were used and the hits with their entry-side explanation; a clearance says an
// entry is not this subject, and holds only while the entry's content is the one the reviewers saw
// and the subject's screened identity (names, birth date, countries: its keyed hash) is the one
// they cleared it for. A clearance is granted by two reviewers (store/screening.ts grantClearances).

export const SCREENING_TRIGGERS = ['onboarding', 'list_update', 'periodic', 'manual'] as const;
export type ScreeningTrigger = (typeof SCREENING_TRIGGERS)[number];

export type RunResult = 'clear' | 'potential_match';

export interface RecordRunInput {
  subjectId: string;
  recordId?: string;
  trigger: ScreeningTrigger;
  hits: ScreeningHit[];
  listVersionIds: string[];
  threshold: number;
  /** Keyed hash of the identities screened (store/screening.ts identityHash): clearances hold for this identity only. */
  identityHash: string;
}

export interface RecordedRun {
  runId: string;
  result: RunResult;
  // the matches no clearance covers, each with the id of its stored hit: what a reviewer has to look at
  openMatches: (ScreeningHit & { hitId: string })[];
}

const clearanceKey = (entryId: string, contentHash: string) => `${entryId}\u0000${contentHash}`;

export async function recordScreeningRun(db: Db, input: RecordRunInput): Promise<RecordedRun> {
  return db.$transaction((tx) => recordScreeningRunIn(tx, input));
}

// The same inside a caller's transaction, so that what the caller writes about the run (its case,
// its audit and outbox events) commits with it or not at all.
export async function recordScreeningRunIn(tx: Prisma.TransactionClient, input: RecordRunInput): Promise<RecordedRun> {
  const clearances = input.hits.length
    ? await tx.screeningClearance.findMany({
        where: { subjectId: input.subjectId, identityHash: input.identityHash, entryId: { in: input.hits.map((h) => h.entryId) } },
        select: { entryId: true, entryContentHash: true },
      })
    : [];
  const cleared = new Set(clearances.map((c) => clearanceKey(c.entryId, c.entryContentHash)));
  const isCleared = (hit: ScreeningHit) => cleared.has(clearanceKey(hit.entryId, hit.entryContentHash));
  const stored = input.hits.map((hit) => ({ ...hit, hitId: randomUUID() }));
  const openMatches = stored.filter((hit) => hit.match && !isCleared(hit));
  const result: RunResult = openMatches.length ? 'potential_match' : 'clear';
  const run = await tx.screeningRun.create({
    data: {
      subjectId: input.subjectId,
      recordId: input.recordId ?? null,
      trigger: input.trigger,
      listVersionIds: input.listVersionIds,
      threshold: input.threshold,
      result,
      matchCount: openMatches.length,
      identityHash: input.identityHash,
    },
  });
  if (input.hits.length) {
    await tx.screeningHit.createMany({
      data: stored.map((hit) => ({
        id: hit.hitId,
        runId: run.id,
        entryId: hit.entryId,
        entryContentHash: hit.entryContentHash,
        source: hit.source,
        kind: hit.kind,
        entryName: hit.entryName,
        matchedName: hit.matchedName,
        score: hit.score,
        match: hit.match,
        cleared: isCleared(hit),
        explanation: hit.explanation,
      })),
    });
  }
  return { runId: run.id, result, openMatches };
}

// Many subjects screened without a match (a rescreen batch): one row each, written in one
// statement (a rescreen of a hundred thousand customers writes as many rows).
export async function recordClearRuns(
  db: Db | Prisma.TransactionClient,
  input: { subjects: { subjectId: string; recordId?: string }[]; trigger: ScreeningTrigger; listVersionIds: string[]; threshold: number },
): Promise<number> {
  if (input.subjects.length === 0) return 0;
  return db.$executeRaw`
    INSERT INTO screening_runs (id, subject_id, record_id, trigger, list_version_ids, threshold, result, match_count)
    SELECT gen_random_uuid(), subject, record, ${input.trigger}, ${input.listVersionIds}::uuid[], ${input.threshold}, 'clear', 0
      FROM unnest(${input.subjects.map((s) => s.subjectId)}::uuid[], ${input.subjects.map((s) => s.recordId ?? null)}::uuid[]) AS subjects(subject, record)`;
}

export interface ClearanceInput {
  subjectId: string;
  entryId: string;
  entryContentHash: string;
  identityHash: string;
  /** The reviewer who resolved the hit as a false positive. */
  clearedBy: string;
  /** The second, different reviewer whose approval confirmed it (four eyes). */
  confirmedBy: string;
}

// Idempotent: clearing the same entry content for the same identity twice keeps the first
// decision. The reviewer's reason is kept by the caller (encrypted: it is free text about a customer).
export async function clearHit(db: Db | Prisma.TransactionClient, input: ClearanceInput): Promise<{ id: string; createdAt: Date }> {
  if (input.clearedBy === input.confirmedBy) throw new Error('a clearance takes two different reviewers');
  return db.screeningClearance.upsert({
    where: { subjectId_entryId_entryContentHash_identityHash: { subjectId: input.subjectId, entryId: input.entryId, entryContentHash: input.entryContentHash, identityHash: input.identityHash } },
    create: input,
    update: {},
    select: { id: true, createdAt: true },
  });
}

export async function clearancesOf(db: Db, subjectId: string) {
  return db.screeningClearance.findMany({ where: { subjectId }, orderBy: { createdAt: 'desc' } });
}

export async function screeningRunsOf(db: Db, subjectId: string, options: { limit?: number } = {}) {
  return db.screeningRun.findMany({
    where: { subjectId },
    orderBy: { createdAt: 'desc' },
    take: options.limit ?? 20,
    include: { hits: { orderBy: { score: 'desc' } } },
  });
}
