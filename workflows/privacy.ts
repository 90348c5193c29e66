import { ActivityFailure, ApplicationFailure, executeChild, log, ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { createPrivacyActivities } from '../activities/privacy';
import { RETENTION_KINDS, type RetentionCounts } from '../domain/privacy';
import {
  erasureProgressQuery,
  keyRotationProgressQuery,
  type KeyRotationInput,
  type KeyRotationProgress,
  type PrivacyFailure,
  type RetentionInput,
  type RetentionResult,
  type SubjectErasureInput,
  type SubjectErasureResult,
  type VendorDeletionInput,
  type VendorDeletionResult,
} from './privacy.contract';
import { DATABASE_RETRY, VENDOR_DELETION_RETRY } from './policies';

// The privacy workflows. An erasure cancels the customer's running verification, erases (store/
// privacy.ts: kept records restricted under their `retained` key, the rest nulled, the `personal`
// key destroyed), deletes the customer's workflow histories from Temporal, then has the vendor delete
// its sessions at the pace of its rate limit. The retention run applies each retention policy in
// batches and reports counts. The key rotation re-seals service-key data under subjects' keys and
// re-wraps data keys under the current ring key, reporting which ring keys are still in use.

type PrivacyActivities = ReturnType<typeof createPrivacyActivities>;

// Store work scans and rewrites batches; Temporal calls wait for a cancelled verification to close.
const PRIVACY_ACTIVITY_TIMEOUT = '2 minutes';
const { cancelVerifications, eraseSubjectNow, deleteWorkflowHistories, recordVendorDeletions, completeErasure, applyRetention, endAmlRetention, reapplyErasures, reapplyKeyDestructions, reportRetention, resealServiceKeyData, rewrapDataKeys, reencryptSecrets, ringKeyUsage } =
  proxyActivities<PrivacyActivities>({ startToCloseTimeout: PRIVACY_ACTIVITY_TIMEOUT, heartbeatTimeout: '30 seconds', retry: DATABASE_RETRY });
const { deleteVendorSession } = proxyActivities<PrivacyActivities>({ startToCloseTimeout: '1 minute', retry: VENDOR_DELETION_RETRY });

const failureType = (err: unknown): PrivacyFailure | null => {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type ? (cause.type as PrivacyFailure) : null;
};

/** Deletes sessions at the vendor one by one, each waiting for the vendor's rate limit (a durable queue). */
export async function vendorSessionDeletion(input: VendorDeletionInput): Promise<VendorDeletionResult> {
  const result: VendorDeletionResult = { deleted: 0, notFound: 0, refused: 0 };
  for (const sessionId of input.sessionIds) {
    try {
      const outcome = await deleteVendorSession({ sessionId });
      if (outcome === 'deleted') result.deleted += 1;
      else result.notFound += 1;
    } catch (err) {
      if (failureType(err) !== 'VendorDeletionRefused') throw err;
      log.warn('the vendor refused a session deletion', { sessionId });
      result.refused += 1;
    }
    if (input.requestId) await recordVendorDeletions({ requestId: input.requestId, deleted: result.deleted + result.notFound, total: input.sessionIds.length });
  }
  return result;
}

export async function subjectErasure(input: SubjectErasureInput): Promise<SubjectErasureResult> {
  let stage: 'cancelling' | 'erasing' | 'deleting_histories' | 'deleting_vendor_sessions' | 'done' = 'cancelling';
  const result: SubjectErasureResult = { verificationsCancelled: false, historiesDeleted: 0, vendorSessions: 0, vendorDeleted: 0, vendorRefused: 0 };
  setHandler(erasureProgressQuery, () => ({ ...result, stage }));

  // Running verifications first, so nothing writes the customer's data while it is erased.
  result.verificationsCancelled = (await cancelVerifications({ userId: input.userId })).cancelled;
  stage = 'erasing';
  const erased = await eraseSubjectNow({ requestId: input.requestId });
  stage = 'deleting_histories';
  result.historiesDeleted = (await deleteWorkflowHistories({ userId: input.userId, recordIds: erased.recordIds })).deleted;
  stage = 'deleting_vendor_sessions';
  result.vendorSessions = erased.vendorSessionIds.length;
  await recordVendorDeletions({ requestId: input.requestId, deleted: 0, total: result.vendorSessions });
  const vendor = await executeChild(vendorSessionDeletion, {
    workflowId: `${workflowInfo().workflowId}-vendor`,
    args: [{ sessionIds: erased.vendorSessionIds, requestId: input.requestId }],
  });
  result.vendorDeleted = vendor.deleted + vendor.notFound;
  result.vendorRefused = vendor.refused;
  await completeErasure({ requestId: input.requestId });
  stage = 'done';
  return result;
}

/** The retention schedule's run: each policy in batches, AML retention ends, a restored database reconciled; counts reported. */
export async function privacyRetention(input: RetentionInput): Promise<RetentionResult> {
  const removed: RetentionCounts = Object.fromEntries(RETENTION_KINDS.map((kind) => [kind, 0]));
  const add = (kind: keyof RetentionCounts, n: number) => {
    removed[kind] = (removed[kind] ?? 0) + n;
  };
  for (const policy of input.policies) {
    for (;;) {
      const { removed: n } = await applyRetention({ kind: policy.kind, days: policy.days, limit: input.batch });
      add(policy.kind, n);
      if (n < input.batch) break;
    }
  }
  const sessions: string[] = [];
  for (;;) {
    const ended = await endAmlRetention({ limit: input.batch });
    add('aml_retained', ended.erased);
    sessions.push(...ended.vendorSessionIds);
    if (ended.erased < input.batch) break;
  }
  // A restored main database must not resurrect what the key store says is erased, nor a restored
  // key store a key the main database says is destroyed.
  let after: string | null = null;
  do {
    const page: { reapplied: number; next: string | null } = await reapplyErasures({ after, limit: input.batch });
    add('erasures_reapplied', page.reapplied);
    after = page.next;
  } while (after);
  do {
    const page: { destroyed: number; next: string | null } = await reapplyKeyDestructions({ after, limit: input.batch });
    add('erasures_reapplied', page.destroyed);
    after = page.next;
  } while (after);
  if (sessions.length) {
    // Abandoned: the vendor's rate limit may take hours, the report should not wait for it.
    await startChild(vendorSessionDeletion, { workflowId: `${workflowInfo().workflowId}-vendor`, args: [{ sessionIds: sessions }], parentClosePolicy: ParentClosePolicy.ABANDON });
  }
  await reportRetention({ removed, day: new Date().toISOString().slice(0, 10) });
  return { removed, vendorSessionsQueued: sessions.length };
}

/** Re-seals service-key data under subjects' keys, re-wraps every data key and secret under the current ring key, reports what each ring key still protects. */
export async function keyRotation(input: KeyRotationInput): Promise<KeyRotationProgress> {
  const progress: KeyRotationProgress = { stage: 'resealing_service_key_data', resealed: 0, rewrapped: 0, secrets: 0, usage: [] };
  setHandler(keyRotationProgressQuery, () => progress);
  const drain = async (step: (input: { limit: number }) => Promise<number>, count: (n: number) => void) => {
    for (;;) {
      const n = await step({ limit: input.batch });
      count(n);
      if (n < input.batch) return;
    }
  };
  await drain(resealServiceKeyData, (n) => (progress.resealed += n));
  progress.stage = 'rewrapping_data_keys';
  await drain(rewrapDataKeys, (n) => (progress.rewrapped += n));
  progress.stage = 'reencrypting_secrets';
  await drain(reencryptSecrets, (n) => (progress.secrets += n));
  progress.usage = await ringKeyUsage({ record: { resealed: progress.resealed, rewrapped: progress.rewrapped, secrets: progress.secrets } });
  progress.stage = 'done';
  return progress;
}
