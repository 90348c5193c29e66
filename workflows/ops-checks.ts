import { log, proxyActivities } from '@temporalio/workflow';
import type { createOpsActivities } from '../activities/ops';
import {
  abandonedVerificationAlerts,
  CLEANUP_CONDITION_KINDS,
  dailyReportAlerts,
  STUCK_CHECK_KINDS,
  stuckCheckAlerts,
  stuckReceiptAlerts,
} from '../domain/alerts';
import { type DailyReportInput, type DailyReportResult, type SessionCleanupInput, type SessionCleanupResult, type StuckCheckInput, type StuckCheckResult } from './ops.contract';
import { DATABASE_RETRY } from './policies';

// The periodic ops jobs as workflows, started by Temporal Schedules (worker/schedules.ts): the
// stuck-verification check, the expired-session cleanup and the daily report. Each run is short
// and idempotent: running one by hand (or twice) changes nothing the schedule's run would not.

// Ops queries scan more than a transaction does, and the cleanup asks Temporal about each candidate.
const OPS_ACTIVITY_TIMEOUT = '2 minutes';
const { snapshotActiveWork, syncAlerts, raiseAlerts, findAbandonedVerifications, expireAbandonedVerification, findStuckWebhookReceipts, buildDailyReport, storeDailyReport } = proxyActivities<
  ReturnType<typeof createOpsActivities>
>({ startToCloseTimeout: OPS_ACTIVITY_TIMEOUT, retry: DATABASE_RETRY });

// Verifications the cleanup expires per run; the next run takes the rest.
const CLEANUP_BATCH = 200;

/** Every 5 minutes: stuck verifications, the pending backlog and overdue escalated reviews become (or stop being) alerts. */
export async function opsStuckVerificationCheck(input: StuckCheckInput): Promise<StuckCheckResult> {
  const snapshot = await snapshotActiveWork({ stuckAfterMinutes: input.thresholds.stuckRecordsThresholdHours * 60 });
  const alerts = await syncAlerts({ kinds: [...STUCK_CHECK_KINDS], current: stuckCheckAlerts(snapshot, input.thresholds) });
  return { stuck: snapshot.stuckCount, pending: snapshot.pendingCount, breachedReviews: snapshot.breachedReviews.length, raised: alerts.raised, resolved: alerts.resolved.length };
}

/**
 * Daily at 02:00: verifications still waiting for the customer past the session timeout whose
 * workflow is no longer running are expired (with an audit event), and webhook receipts that
 * never reached their verification are flagged.
 */
export async function opsExpiredSessionCleanup(input: SessionCleanupInput): Promise<SessionCleanupResult> {
  const { abandoned, stillRunning } = await findAbandonedVerifications({ sessionTimeoutSeconds: input.sessionTimeoutSeconds, limit: CLEANUP_BATCH });
  const expiredRecordIds: string[] = [];
  for (const verification of abandoned) {
    const { expired } = await expireAbandonedVerification({ ...verification, sessionTimeoutSeconds: input.sessionTimeoutSeconds });
    if (expired) expiredRecordIds.push(verification.recordId);
  }
  if (abandoned.length === CLEANUP_BATCH) log.warn('more abandoned verifications than one cleanup run takes; the next run continues', { batch: CLEANUP_BATCH });

  const receipts = await findStuckWebhookReceipts({ olderThanMinutes: input.stuckReceiptHours * 60 });
  // The workflow clock (its start) names the day: deterministic, and the same on every replay.
  const day = new Date().toISOString().slice(0, 10);
  const events = await raiseAlerts({ alerts: abandonedVerificationAlerts(expiredRecordIds, day) });
  const conditions = await syncAlerts({ kinds: [...CLEANUP_CONDITION_KINDS], current: stuckReceiptAlerts(receipts, input.stuckReceiptHours) });
  return { expiredRecordIds, stillRunning, stuckReceipts: receipts.count, raised: [...events.raised, ...conditions.raised] };
}

/** Daily at 08:00: yesterday's figures, stored in ops_daily_reports; a low approval rate or slow processing alerts. */
export async function opsDailyReport(input: DailyReportInput): Promise<DailyReportResult> {
  const figures = await buildDailyReport({ reportDate: input.reportDate, asOf: new Date().toISOString(), timeZone: input.timeZone });
  const drafts = dailyReportAlerts(figures, input.thresholds);
  await raiseAlerts({ alerts: drafts });
  const alerts = drafts.map((d) => d.conditionKey);
  await storeDailyReport({ figures, alerts });
  return { figures, alerts };
}
