import { type z } from 'zod';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import { screeningTrueMatchAlert } from '../domain/alerts';
import { canonicalIdentity, type CaseHitStatus, ENTRY_KINDS, type EntryKind, type HitResolution, isCaseHitStatus, isScreeningSource, type ScreeningIdentity, type ScreeningSource } from '../domain/screening';
import { type PiiCipher } from '../infra/crypto';
import { type Db, runStatement } from '../infra/db';
import { activeVersions, entryFromRow, ENTRY_COLUMNS, listVersions } from '../screening/lists';
import { type Explanation, explanationSchema } from '../screening/match';
import { clearHit, recordClearRuns, recordScreeningRunIn, type ScreeningTrigger } from '../screening/results';
import { type ScreeningHit } from '../screening/screen-person';
import { type screeningSearchRequestSchema, type ScreeningSearchResponse, searchScreening } from '../screening/search-contract';
import { type BirthDate, type EntryName } from '../screening/types';
import { raiseAlerts } from './alerts';
import { alreadyRecorded, appendEvent, type Tx } from './audit';
import { enqueueEvent, insertOutboxEventSql } from './outbox';
import { liftRestriction, restrictWallet } from './wallets';
import { type PersonalData, SubjectErased } from './personal-data';
import { admitRead, type Reader, recordStates } from './restricted-access';
import { type ErasureContext, type PersonalDataHolder } from './privacy';

// Screening as part of a verification: the runs of the engine (screening/results.ts) written in
// the transaction that also opens the case hits a reviewer must resolve and writes the audit and
// outbox events; the reviewers' resolutions (a false positive, or a confirmed match with its ops
// alert and the wallet frozen) and the clearances that a second reviewer's approval grants (four
// eyes: a clearance stops the same entry from alerting again, so it is a decision of two); the rescreens of approved customers and their progress. Reasons given
// by reviewers are free text about a customer: sealed with the customer's key (reason_enc), like
// review notes. screeningPersonalData below erases, keeps and exports all of it with the customer.

export interface ScreeningRunInput {
  subjectId: string;
  recordId: string;
  trigger: Exclude<ScreeningTrigger, 'manual'>;
  hits: ScreeningHit[];
  listVersionIds: string[];
  threshold: number;
  /** ScreeningStore.identityHash of the identities screened. */
  identityHash: string;
}

export interface WrittenRun {
  runId: string;
  result: 'clear' | 'potential_match';
  /** Matches no clearance covers, by the kind of their entry. */
  openMatches: { entryId: string; kind: ScreeningHit['kind']; source: ScreeningSource; score: number }[];
  /** Case hits this run opened (the same entry content already on the record's case adds none). */
  newCaseHits: number;
}

const isEntryKind = (value: string): value is EntryKind => (ENTRY_KINDS as readonly string[]).includes(value);

// A list version's source never changes (a load adds a version): read once per process.
const versionSources = new Map<string, string>();

async function sourcesOf(db: Pick<Tx, 'screeningListVersion'>, versionIds: string[]): Promise<ScreeningSource[]> {
  const missing = versionIds.filter((id) => !versionSources.has(id));
  if (missing.length) {
    const versions = await db.screeningListVersion.findMany({ where: { id: { in: missing } }, select: { id: true, source: true } });
    for (const version of versions) versionSources.set(version.id, version.source);
  }
  return [...new Set(versionIds.map((id) => versionSources.get(id)).filter((source) => source !== undefined).filter(isScreeningSource))].sort();
}

/**
 * writeScreeningRun for a run without a match (a customer on no list: the common case), as CTEs
 * of the caller's one statement: `screening_run` (the run, for each row of `rows`), its hits (the
 * near names below the threshold, each marked cleared when a clearance covers it, as
 * recordScreeningRunIn marks them) and, for an onboarding screening, SCREENING_CLEARED. Null
 * when a hit is a match: a case to open takes writeScreeningRun's transaction.
 */
export async function clearRunSql(db: Db, input: ScreeningRunInput, screenedAt: Date, rows: Prisma.Sql): Promise<{ runId: string; ctes: Prisma.Sql } | null> {
  if (input.hits.some((hit) => hit.match)) return null;
  const runId = randomUUID();
  const hits = input.hits.map((hit) => ({
    entry_id: hit.entryId,
    entry_content_hash: hit.entryContentHash,
    source: hit.source,
    kind: hit.kind,
    entry_name: hit.entryName,
    matched_name: hit.matchedName,
    score: hit.score,
    explanation: hit.explanation,
  }));
  const cleared =
    input.trigger === 'onboarding'
      ? Prisma.sql`, screening_cleared AS (${insertOutboxEventSql(
          {
            type: 'SCREENING_CLEARED',
            recordId: input.recordId,
            data: { recordId: input.recordId, screeningId: runId, trigger: 'onboarding', lists: await sourcesOf(db, input.listVersionIds), screenedAt: screenedAt.toISOString() },
            dedupeKey: `${runId}:SCREENING_CLEARED`,
          },
          screenedAt,
          Prisma.sql`FROM screening_run`,
        )})`
      : Prisma.empty;
  const ctes = Prisma.sql`
    screening_run AS (
      INSERT INTO screening_runs (id, subject_id, record_id, trigger, list_version_ids, threshold, result, match_count, identity_hash, created_at)
      SELECT ${runId}::uuid, ${input.subjectId}::uuid, ${input.recordId}::uuid, ${input.trigger}, ${input.listVersionIds}::uuid[], ${input.threshold}::float8, 'clear', 0, ${input.identityHash}, ${screenedAt}::timestamptz
      ${rows}
      RETURNING id
    ), screening_hits_written AS (
      INSERT INTO screening_hits (id, run_id, entry_id, entry_content_hash, source, kind, entry_name, matched_name, score, match, cleared, explanation)
      SELECT gen_random_uuid(), screening_run.id, h.entry_id, h.entry_content_hash, h.source, h.kind, h.entry_name, h.matched_name, h.score, false,
             EXISTS (SELECT 1 FROM screening_clearances c WHERE c.subject_id = ${input.subjectId}::uuid AND c.identity_hash = ${input.identityHash} AND c.entry_id = h.entry_id AND c.entry_content_hash = h.entry_content_hash),
             h.explanation
        FROM screening_run, jsonb_to_recordset(${JSON.stringify(hits)}::jsonb)
          AS h(entry_id text, entry_content_hash text, source text, kind text, entry_name text, matched_name text, score float8, explanation jsonb)
      RETURNING id
    )${cleared}`;
  return { runId, ctes };
}

/**
 * Records one screening of a customer's verification inside the caller's transaction: the run
 * and its hits, a case hit for each match no clearance covers, and SCREENING_HIT (new case hits)
 * or, for the onboarding screening, SCREENING_CLEARED (no match).
 */
export async function writeScreeningRun(tx: Tx, input: ScreeningRunInput, screenedAt: Date): Promise<WrittenRun> {
  const run = await recordScreeningRunIn(tx, input);
  let newCaseHits = 0;
  if (run.openMatches.length > 0) {
    const created = await tx.screeningCaseHit.createMany({
      data: run.openMatches.map((hit) => ({ recordId: input.recordId, subjectId: input.subjectId, hitId: hit.hitId, entryId: hit.entryId, entryContentHash: hit.entryContentHash, identityHash: input.identityHash })),
      skipDuplicates: true,
    });
    newCaseHits = created.count;
  }
  if (newCaseHits > 0) {
    await enqueueEvent(tx, {
      type: 'SCREENING_HIT',
      recordId: input.recordId,
      data: {
        recordId: input.recordId,
        screeningId: run.runId,
        trigger: input.trigger,
        lists: [...new Set(run.openMatches.map((h) => h.source))].sort(),
        matchCount: run.openMatches.length,
        topScore: Math.max(...run.openMatches.map((h) => h.score)),
        screenedAt: screenedAt.toISOString(),
      },
      dedupeKey: `${run.runId}:SCREENING_HIT`,
    });
  } else if (run.result === 'clear' && input.trigger === 'onboarding') {
    await enqueueEvent(tx, {
      type: 'SCREENING_CLEARED',
      recordId: input.recordId,
      data: { recordId: input.recordId, screeningId: run.runId, trigger: 'onboarding', lists: await sourcesOf(tx, input.listVersionIds), screenedAt: screenedAt.toISOString() },
      dedupeKey: `${run.runId}:SCREENING_CLEARED`,
    });
  }
  return {
    runId: run.runId,
    result: run.result,
    openMatches: run.openMatches.map((hit) => ({ entryId: hit.entryId, kind: hit.kind, source: hit.source, score: hit.score })),
    newCaseHits,
  };
}

/** A customer's approved verification as a rescreen found it, with the hits of its identities. */
export interface RescreenedSubject {
  recordId: string;
  userId: string;
  hits: ScreeningHit[];
  /** ScreeningStore.identityHash of the identities screened. */
  identityHash: string;
}

export interface ResolveHitInput {
  caseHitId: string;
  recordId: string;
  actorId: string;
  resolution: HitResolution;
  /** The reviewer's reason sealed with the customer's key by the API (it travels through the review's history). */
  sealedReason: string | null;
  /** The case was opened by ongoing screening of an approved customer (for the ops alert). */
  monitoring: boolean;
}

export type ResolveHitResult =
  | { outcome: 'resolved'; status: HitResolution; openLeft: number }
  | { outcome: 'not_found' }
  | { outcome: 'already_resolved'; status: CaseHitStatus };

/** A case hit as the review workflow tracks it: what its rules need, no personal data. */
export interface CaseHitState {
  id: string;
  status: CaseHitStatus;
}

export interface RescreenProgress {
  screened: number;
  withHits: number;
  casesOpened: number;
  batches: number;
}

/** A hit on a case as a reviewer sees it: the entry as it was screened, the score and why, and what was decided. */
export interface CaseHitView {
  id: string;
  status: CaseHitStatus;
  trigger: string;
  runId: string;
  foundAt: Date;
  entryId: string;
  source: ScreeningSource;
  kind: EntryKind;
  entryName: string;
  matchedName: string;
  score: number;
  explanation: Explanation;
  entry: { names: EntryName[]; birthDates: BirthDate[]; countries: string[]; gender: string | null; programs: string[]; entityType: string } | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  reason: string | null;
}

/** A reviewer's reason, opened; null once the customer's key is gone (erased). */
async function openReason(personalData: PersonalData, subjectId: string, sealed: string): Promise<string | null> {
  try {
    return await personalData.open(subjectId, sealed);
  } catch (err) {
    if (err instanceof SubjectErased) return null;
    throw err;
  }
}

export class ScreeningStore {
  constructor(
    private readonly db: Db,
    private readonly personalData: PersonalData,
    private readonly cipher: PiiCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The keyed hash of the identities a customer is screened under: what a clearance is bound to. */
  identityHash(identities: readonly ScreeningIdentity[]): string {
    return this.cipher.identityHash(canonicalIdentity(identities));
  }

  /** The entry ids among `hits` whose screened content a clearance for this customer, under this identity, covers. */
  async clearedEntryIds(subjectId: string, identityHash: string, hits: readonly Pick<ScreeningHit, 'entryId' | 'entryContentHash'>[]): Promise<Set<string>> {
    if (hits.length === 0) return new Set();
    const clearances = await this.db.screeningClearance.findMany({ where: { subjectId, identityHash, entryId: { in: hits.map((h) => h.entryId) } }, select: { entryId: true, entryContentHash: true } });
    const keys = new Set(clearances.map((c) => `${c.entryId}\u0000${c.entryContentHash}`));
    return new Set(hits.filter((h) => keys.has(`${h.entryId}\u0000${h.entryContentHash}`)).map((h) => h.entryId));
  }

  /**
   * A rescreen batch: one clear run for each customer without a match, and for each with matches
   * its run, its new case hits, an audit event on the record and SCREENING_HIT, in a transaction
   * of its own. Returns the records that got new case hits (each needs a review case).
   */
  async recordRescreenBatch(input: { trigger: 'list_update' | 'periodic'; listVersionIds: string[]; threshold: number; subjects: RescreenedSubject[] }): Promise<{ withHits: number; newCases: { recordId: string; userId: string }[] }> {
    const { trigger, listVersionIds, threshold } = input;
    const clear = input.subjects.filter((s) => s.hits.length === 0);
    await recordClearRuns(this.db, { subjects: clear.map((s) => ({ subjectId: s.userId, recordId: s.recordId })), trigger, listVersionIds, threshold });
    const newCases: { recordId: string; userId: string }[] = [];
    let withHits = 0;
    for (const subject of input.subjects.filter((s) => s.hits.length > 0)) {
      const written = await this.db.$transaction(async (tx) => {
        const run = await writeScreeningRun(tx, { subjectId: subject.userId, recordId: subject.recordId, trigger, hits: subject.hits, listVersionIds, threshold, identityHash: subject.identityHash }, this.now());
        if (run.newCaseHits > 0) {
          await appendEvent(tx, {
            recordId: subject.recordId,
            type: 'SCREENING_HIT_FOUND',
            actor: { type: 'system' },
            reason: `${trigger === 'periodic' ? 'Periodic rescreen' : 'Rescreen after a list update'}: ${run.newCaseHits} new sanctions or PEP list ${run.newCaseHits === 1 ? 'hit' : 'hits'} to review`,
            data: { runId: run.runId, trigger, newCaseHits: run.newCaseHits, sources: [...new Set(run.openMatches.map((h) => h.source))].sort() },
            dedupeKey: `${run.runId}:SCREENING_HIT_FOUND`,
          });
        }
        return run;
      });
      if (written.openMatches.length > 0) withHits++;
      if (written.newCaseHits > 0) newCases.push({ recordId: subject.recordId, userId: subject.userId });
    }
    return { withHits, newCases };
  }

  /** The case hits of a record, newest first, with the entry each was screened against and the decrypted reasons. */
  async caseHits(recordId: string, reader: Reader): Promise<CaseHitView[]> {
    await admitRead(this.db, reader, 'screening_results', await recordStates(this.db, [recordId]));
    const rows = await this.db.screeningCaseHit.findMany({
      where: { recordId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      include: { hit: { include: { run: { select: { trigger: true, createdAt: true } } } } },
    });
    if (rows.length === 0) return [];
    // Entry rows never change: the row with the screened content hash is the entry as screened.
    const entries = await this.db.screeningEntry.findMany({
      where: { OR: rows.map((row) => ({ entryId: row.entryId, contentHash: row.entryContentHash })) },
      select: ENTRY_COLUMNS,
    });
    const entryOf = new Map(entries.map((row) => [`${row.entryId}\u0000${row.contentHash}`, entryFromRow(row)]));
    return Promise.all(rows.map(async (row) => {
      const entry = entryOf.get(`${row.entryId}\u0000${row.entryContentHash}`) ?? null;
      // Written by the engine from its own types: a row that does not read back is a bug to see, not to hide.
      if (!isScreeningSource(row.hit.source) || !isEntryKind(row.hit.kind)) throw new Error(`screening hit ${row.hitId} has an unknown source or kind`);
      return {
        id: row.id,
        status: isCaseHitStatus(row.status) ? row.status : 'open',
        trigger: row.hit.run.trigger,
        runId: row.hit.runId,
        foundAt: row.createdAt,
        entryId: row.entryId,
        source: row.hit.source,
        kind: row.hit.kind,
        entryName: row.hit.entryName,
        matchedName: row.hit.matchedName,
        score: row.hit.score,
        explanation: explanationSchema.parse(row.hit.explanation),
        entry: entry && { names: entry.names, birthDates: entry.birthDates, countries: entry.countries, gender: entry.gender, programs: entry.programs, entityType: entry.entityType },
        resolvedBy: row.resolvedBy,
        resolvedAt: row.resolvedAt,
        reason: row.reasonEnc ? await openReason(this.personalData, row.subjectId, row.reasonEnc) : null,
      };
    }));
  }


  /** The case hits of a record, oldest first: what the review workflow's approval rule looks at. */
  async caseHitStates(recordId: string): Promise<CaseHitState[]> {
    const rows = await this.db.screeningCaseHit.findMany({ where: { recordId }, select: { id: true, status: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map((row) => ({ id: row.id, status: isCaseHitStatus(row.status) ? row.status : 'open' }));
  }

  /** The list versions the latest screening of a record used (none: never screened). */
  async lastRunVersions(recordId: string): Promise<string[]> {
    const run = await this.db.screeningRun.findFirst({ where: { recordId }, orderBy: { createdAt: 'desc' }, select: { listVersionIds: true } });
    return run?.listVersionIds ?? [];
  }

  /**
   * A verification screened again as a reviewer approves it, because the lists in force are not
   * the ones its screening used (a list was missing or out of date then): the run, its new case
   * hits and SCREENING_HIT, and an audit event, in one transaction.
   */
  async recordApprovalScreening(input: Omit<ScreeningRunInput, 'trigger'>): Promise<WrittenRun> {
    return this.db.$transaction(async (tx) => {
      const run = await writeScreeningRun(tx, { ...input, trigger: 'onboarding' }, this.now());
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'SCREENING_REPEATED',
        actor: { type: 'system' },
        reason: run.newCaseHits
          ? `Screened again at approval against the lists now in force: ${run.newCaseHits} new list ${run.newCaseHits === 1 ? 'hit' : 'hits'} to resolve`
          : 'Screened again at approval against the lists now in force',
        data: { runId: run.runId, result: run.result, newCaseHits: run.newCaseHits, listVersionIds: input.listVersionIds },
        dedupeKey: `${run.runId}:SCREENING_REPEATED`,
      });
      return run;
    });
  }

  /**
   * Whether the customer was ever a match of a list entry before (on an earlier attempt, an
   * earlier verification or a rescreen; cleared or not): such a verification is never approved
   * without people (domain/risk.ts PRIOR_LIST_HIT).
   */
  async priorListHits(subjectId: string): Promise<number> {
    const [row] = await runStatement<{ count: number }>(
      this.db,
      Prisma.sql`SELECT count(*)::int AS count FROM screening_hits h JOIN screening_runs r ON r.id = h.run_id WHERE r.subject_id = ${subjectId}::uuid AND h.match`,
    );
    return row?.count ?? 0;
  }

  /** The runs of a record (every screening, with or without a hit), newest first, with the versions they used. */
  async runsOf(recordId: string, reader: Reader, limit = 20) {
    await admitRead(this.db, reader, 'screening_results', await recordStates(this.db, [recordId]));
    const runs = await this.db.screeningRun.findMany({ where: { recordId }, orderBy: { createdAt: 'desc' }, take: limit });
    const versionIds = [...new Set(runs.flatMap((run) => run.listVersionIds))];
    const versions = versionIds.length ? await this.db.screeningListVersion.findMany({ where: { id: { in: versionIds } }, select: { id: true, source: true, loadedAt: true, publisherVersion: true } }) : [];
    const versionOf = new Map(versions.map((v) => [v.id, v]));
    return runs.map((run) => ({ ...run, versions: run.listVersionIds.map((id) => versionOf.get(id)).filter((v) => v !== undefined) }));
  }

  /**
   * A reviewer's resolution of one case hit (the review workflow's resolveHit update, whose
   * validator applied the review rules), in one transaction with its consequences: a false
   * positive is marked on the case and waits for the case's approval by a second reviewer to
   * become a clearance (grantClearances); a true match marks the record, freezes the customer's
   * wallet and raises a critical ops alert. Both go on the audit trail.
   */
  async resolve(input: ResolveHitInput): Promise<ResolveHitResult> {
    const at = this.now();
    const subject = await this.db.screeningCaseHit.findUnique({ where: { id: input.caseHitId }, select: { subjectId: true } });
    // Sealed by the API for this customer: stored once it is shown to open for them.
    if (subject && input.sealedReason) await this.personalData.open(subject.subjectId, input.sealedReason);
    return this.db.$transaction(async (tx): Promise<ResolveHitResult> => {
      const hit = await tx.screeningCaseHit.findUnique({ where: { id: input.caseHitId }, include: { hit: { select: { runId: true, source: true, kind: true } } } });
      if (!hit || hit.recordId !== input.recordId) return { outcome: 'not_found' };
      // Guarded by status: of two reviewers resolving the same hit at once, one changes it.
      const updated = await tx.screeningCaseHit.updateMany({
        where: { id: hit.id, status: 'open' },
        data: { status: input.resolution, resolvedBy: input.actorId, resolvedAt: at, reasonEnc: input.sealedReason },
      });
      if (updated.count === 0) {
        const current = await tx.screeningCaseHit.findUniqueOrThrow({ where: { id: hit.id }, select: { status: true, resolvedBy: true } });
        // The same reviewer's resolution again (a retried activity): done already.
        if (current.status === input.resolution && current.resolvedBy === input.actorId) return { outcome: 'resolved', status: input.resolution, openLeft: await tx.screeningCaseHit.count({ where: { recordId: hit.recordId, status: 'open' } }) };
        return { outcome: 'already_resolved', status: isCaseHitStatus(current.status) ? current.status : 'open' };
      }
      const data = { caseHitId: hit.id, entryId: hit.entryId, source: hit.hit.source, kind: hit.hit.kind, resolution: input.resolution, hasReason: input.sealedReason !== null };
      if (input.resolution === 'false_positive') {
        await appendEvent(tx, { recordId: hit.recordId, type: 'SCREENING_HIT_CLEARED', actor: { type: 'reviewer', id: input.actorId }, reason: 'List hit resolved as a false positive; it becomes a clearance once a second reviewer approves the case', data, dedupeKey: `${hit.id}:resolved` });
      } else {
        await tx.kycRecord.update({ where: { id: hit.recordId }, data: { screeningMatchConfirmedAt: at } });
        await restrictWallet(tx, { userId: hit.subjectId, reason: 'screening_match_confirmed', at });
        await appendEvent(tx, { recordId: hit.recordId, type: 'SCREENING_MATCH_CONFIRMED', actor: { type: 'reviewer', id: input.actorId }, reason: 'List hit confirmed as this customer: wallet restricted, ops alerted', data, dedupeKey: `${hit.id}:resolved` });
        await raiseAlerts(tx, [screeningTrueMatchAlert({ recordId: hit.recordId, caseHitId: hit.id, entryId: hit.entryId, kind: hit.hit.kind, resolvedBy: input.actorId, monitoring: input.monitoring })]);
      }
      const openLeft = await tx.screeningCaseHit.count({ where: { recordId: hit.recordId, status: 'open' } });
      return { outcome: 'resolved', status: input.resolution, openLeft };
    });
  }

  /**
   * A review approved by two different reviewers: each hit of the case resolved as a false
   * positive becomes a clearance for the customer, the entry's content and the identity screened,
   * naming the reviewer who resolved it and an approver other than them. A hit whose approvers
   * are all its resolver (no second pair of eyes saw it) is not cleared: it alerts again at the
   * next screening. Writes SCREENING_CLEARED for the case. Idempotent.
   */
  async grantClearances(input: { recordId: string; reviewId: string; approvers: readonly string[] }): Promise<{ granted: number; withheld: number }> {
    const at = this.now();
    return this.db.$transaction(async (tx) => {
      const hits = await tx.screeningCaseHit.findMany({ where: { recordId: input.recordId, status: 'false_positive' }, include: { hit: { select: { runId: true, source: true } } } });
      let granted = 0;
      let withheld = 0;
      for (const hit of hits) {
        const confirmedBy = input.approvers.find((approver) => approver !== hit.resolvedBy);
        if (!hit.identityHash || !hit.resolvedBy || !confirmedBy) {
          withheld++;
          continue;
        }
        await clearHit(tx, { subjectId: hit.subjectId, entryId: hit.entryId, entryContentHash: hit.entryContentHash, identityHash: hit.identityHash, clearedBy: hit.resolvedBy, confirmedBy });
        granted++;
      }
      if (hits.length === 0 || (await alreadyRecorded(tx, `${input.reviewId}:SCREENING_CLEARANCES`))) return { granted, withheld };
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'SCREENING_CLEARANCES_GRANTED',
        actor: { type: 'system' },
        reason: withheld ? `${granted} list ${granted === 1 ? 'hit' : 'hits'} cleared by two reviewers; ${withheld} not cleared (no second reviewer confirmed them): they alert again` : `${granted} list ${granted === 1 ? 'hit' : 'hits'} cleared by two reviewers, for this customer, this identity and this version of each entry`,
        data: { reviewId: input.reviewId, granted, withheld, approvers: [...input.approvers] },
        dedupeKey: `${input.reviewId}:SCREENING_CLEARANCES`,
      });
      if (granted > 0) {
        await enqueueEvent(tx, {
          type: 'SCREENING_CLEARED',
          recordId: input.recordId,
          data: { recordId: input.recordId, screeningId: hits[0]!.hit.runId, trigger: 'review', lists: [...new Set(hits.map((h) => h.hit.source).filter(isScreeningSource))].sort(), screenedAt: at.toISOString() },
          dedupeKey: `${input.reviewId}:SCREENING_CLEARED`,
        });
      }
      return { granted, withheld };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Cases opened by ongoing screening (workflows/screening-monitor.ts: screeningCase)

  /** SCREENING_HIT_ACTION=restrict: the customer's wallet is frozen while the case is reviewed. Once per case. */
  async restrictWallet(input: { recordId: string; caseId: string }): Promise<'restricted' | 'already_restricted' | 'no_wallet'> {
    return this.db.$transaction(async (tx) => {
      const record = await tx.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { userId: true } });
      const outcome = await restrictWallet(tx, { userId: record.userId, reason: 'screening_hit', at: this.now() });
      if (outcome !== 'restricted') return outcome;
      await appendEvent(tx, { recordId: input.recordId, type: 'WALLET_RESTRICTED', actor: { type: 'system' }, reason: 'Wallet restricted while a sanctions or PEP list hit is reviewed', data: { caseId: input.caseId, reason: 'screening_hit' }, dedupeKey: `${input.caseId}:WALLET_RESTRICTED` });
      return 'restricted';
    });
  }

  /**
   * Applies the review's outcome: cleared lifts the restriction this case placed (a confirmed
   * match's stays); confirmed marks the record and keeps the wallet restricted for good.
   */
  async settleCase(input: { recordId: string; caseId: string; outcome: 'cleared' | 'confirmed' }): Promise<void> {
    const at = this.now();
    await this.db.$transaction(async (tx) => {
      if (await alreadyRecorded(tx, `${input.caseId}:SCREENING_CASE_CLOSED`)) return;
      const record = await tx.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { userId: true, screeningMatchConfirmedAt: true } });
      if (input.outcome === 'cleared') {
        if (await liftRestriction(tx, { userId: record.userId, reason: 'screening_hit' })) {
          await appendEvent(tx, { recordId: input.recordId, type: 'WALLET_RESTRICTION_LIFTED', actor: { type: 'system' }, reason: 'The list hits were cleared: wallet restriction lifted', data: { caseId: input.caseId }, dedupeKey: `${input.caseId}:WALLET_RESTRICTION_LIFTED` });
        }
      } else {
        if (!record.screeningMatchConfirmedAt) await tx.kycRecord.update({ where: { id: input.recordId }, data: { screeningMatchConfirmedAt: at } });
        await restrictWallet(tx, { userId: record.userId, reason: 'screening_match_confirmed', at });
      }
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'SCREENING_CASE_CLOSED',
        actor: { type: 'system' },
        reason: input.outcome === 'cleared' ? 'Screening case closed: the list hits were cleared, the verification stands' : 'Screening case closed: a list match was confirmed, the wallet stays restricted',
        data: { caseId: input.caseId, outcome: input.outcome },
        dedupeKey: `${input.caseId}:SCREENING_CASE_CLOSED`,
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Staff reads: ad-hoc search, the lists, the rescreens

  /** An ad-hoc search (the console's screening page, other tools): list data only, nothing about customers is read. */
  async search(request: z.output<typeof screeningSearchRequestSchema>, threshold: number): Promise<ScreeningSearchResponse> {
    return searchScreening(this.db, request, threshold);
  }

  /** The version in force of each source, the recent versions, and the recent rescreens with their progress. */
  async listsOverview() {
    const [inForce, versions, rescreens] = await Promise.all([activeVersions(this.db), listVersions(this.db, { limit: 50 }), this.rescreens(10)]);
    return { inForce, versions, rescreens };
  }

  // ---------------------------------------------------------------------------------------------
  // Rescreens

  /** Versions loaded that no rescreen has taken yet (the refresh starts one for them). */
  async versionsAwaitingRescreen(): Promise<string[]> {
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      SELECT v.id::text AS id FROM screening_list_versions v
       WHERE NOT EXISTS (SELECT 1 FROM screening_rescreens r WHERE v.id = ANY(r.list_version_ids))
       ORDER BY v.loaded_at, v.id`;
    return rows.map((row) => row.id);
  }

  /** Registers a rescreen (once per workflow id; a retry or a continued run finds its row). */
  async startRescreen(input: { workflowId: string; trigger: 'list_update' | 'periodic'; listVersionIds: string[] }): Promise<void> {
    await this.db.screeningRescreen.createMany({ data: [{ workflowId: input.workflowId, trigger: input.trigger, listVersionIds: input.listVersionIds }], skipDuplicates: true });
  }

  /** The progress so far (absolute figures, so a retried write changes nothing). */
  async rescreenProgress(workflowId: string, progress: RescreenProgress, completed: boolean): Promise<void> {
    const at = this.now();
    await this.db.screeningRescreen.update({ where: { workflowId }, data: { ...progress, updatedAt: at, ...(completed ? { status: 'completed', completedAt: at } : {}) } });
  }

  async rescreens(limit = 20) {
    return this.db.screeningRescreen.findMany({ orderBy: { startedAt: 'desc' }, take: limit });
  }
}

/**
 * Screening results are personal data of the customer screened (that they were screened, when,
 * against what, what matched and the reviewers' reasons). Erasure deletes the runs, hits and case
 * hits of the verifications it erases and the customer's clearances; for the verifications kept under
 * anti-money-laundering rules (the screening is part of that due diligence) it keeps them, reasons
 * re-sealed under the `retained` key, until their retention ends.
 */
export function screeningPersonalData(deps: { db: Db; personalData: PersonalData }): PersonalDataHolder {
  const { db, personalData } = deps;

  /** Deletes the screening of these records (all of the subject's when `recordIds` is null, runs without a record too). */
  async function deleteScreening(subjectId: string, recordIds: readonly string[] | null, keepRecordIds: readonly string[] = []): Promise<number> {
    const runWhere: Prisma.ScreeningRunWhereInput = recordIds
      ? { subjectId, recordId: { in: [...recordIds] } }
      : { subjectId, OR: [{ recordId: null }, { recordId: { notIn: [...keepRecordIds] } }] };
    return db.$transaction(async (tx) => {
      const runs = await tx.screeningRun.findMany({ where: runWhere, select: { id: true } });
      const runIds = runs.map((r) => r.id);
      await tx.screeningCaseHit.deleteMany({ where: { subjectId, OR: [{ hit: { runId: { in: runIds } } }, ...(recordIds ? [{ recordId: { in: [...recordIds] } }] : [{ recordId: { notIn: [...keepRecordIds] } }])] } });
      // Hits go with their runs (ON DELETE CASCADE).
      const deleted = await tx.screeningRun.deleteMany({ where: { id: { in: runIds } } });
      const left = await tx.screeningRun.count({ where: { subjectId } });
      if (left === 0) await tx.screeningClearance.deleteMany({ where: { subjectId } });
      return deleted.count;
    });
  }

  return {
    kind: 'screening_results',

    async erase(subjectId: string, context: ErasureContext) {
      const kept = context.retainedRecordIds;
      const erased = await deleteScreening(subjectId, null, kept);
      const reasons = await db.screeningCaseHit.findMany({ where: { subjectId, recordId: { in: [...kept] }, reasonEnc: { not: null } }, select: { id: true, reasonEnc: true } });
      for (const row of reasons) {
        // Already under the retained key when a retried activity comes back: reseal opens either.
        await db.screeningCaseHit.update({ where: { id: row.id }, data: { reasonEnc: await context.reseal(row.reasonEnc!) } });
      }
      const retained = await db.screeningRun.count({ where: { subjectId } });
      return { erased, retained };
    },

    async eraseRecords(subjectId: string, recordIds: readonly string[]) {
      return deleteScreening(subjectId, recordIds);
    },

    async export(subjectId: string, access: { restricted: boolean }) {
      const restricted = new Set(
        (await db.kycRecord.findMany({ where: { userId: subjectId, restrictedAt: { not: null } }, select: { id: true } })).map((r) => r.id),
      );
      const runs = await db.screeningRun.findMany({
        where: { subjectId },
        orderBy: { createdAt: 'asc' },
        include: { hits: { include: { caseHits: { select: { status: true, resolvedAt: true, reasonEnc: true } } } } },
      });
      const visible = runs.filter((run) => access.restricted || !run.recordId || !restricted.has(run.recordId));
      return Promise.all(
        visible.map(async (run) => ({
          verification_id: run.recordId,
          trigger: run.trigger,
          screened_at: run.createdAt.toISOString(),
          result: run.result,
          hits: await Promise.all(
            run.hits.map(async (hit) => ({
              list: hit.source,
              kind: hit.kind,
              listed_name: hit.entryName,
              score: hit.score,
              match: hit.match,
              resolutions: await Promise.all(
                hit.caseHits.map(async (c) => ({
                  status: c.status,
                  resolved_at: c.resolvedAt?.toISOString() ?? null,
                  reason: c.reasonEnc ? await openReason(personalData, subjectId, c.reasonEnc) : null,
                })),
              ),
            })),
          ),
        })),
      );
    },
  };
}
