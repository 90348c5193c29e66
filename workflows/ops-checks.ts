import { log, proxyActivities } from '@temporalio/workflow';
import type { createOpsActivities } from '../activities/ops';
import {
  abandonedVerificationAlerts,
  CLEANUP_CONDITION_KINDS,
  dailyReportAlerts,
  STUCK_CHECK_KINDS,
  stuckCheckAlerts,
  stuckReceiptAlerts,
  type AlertThresholds,
  type DailyReportFigures,
} from '../domain/alerts';
import { DATABASE_RETRY } from './policies';

// Seed 000's Celery beat tasks as workflows, started by Temporal Schedules (infra/schedules.ts):
// check_kyc_status_periodic, cleanup_expired_kyc_sessions and generate_kyc_report. Each run is
// short and idempotent: running one by hand (or twice) changes nothing the schedule's run would not.

// Ops queries scan more than a transaction does, and the cleanup asks Temporal about each candidate.
const OPS_ACTIVITY_TIMEOUT = '2 minutes';
const ops = proxyActivities<ReturnType<typeof createOpsActivities>>({ startToCloseTimeout: OPS_ACTIVITY_TIMEOUT, retry: DATABASE_RETRY });

// Verifications the cleanup expires per run; the next run takes the rest.
const CLEANUP_BATCH = 200;

export interface StuckCheckInput {
  thresholds: AlertThresholds;
}

export interface StuckCheckResult {
  stuck: number;
  pending: number;
  breachedReviews: number;
  raised: string[];
  resolved: number;
}

/** Every 5 minutes: stuck verifications, the pending backlog and overdue escalated reviews become (or stop being) alerts. */
export async function opsStuckVerificationCheck(input: StuckCheckInput): Promise<StuckCheckResult> {
  const snapshot = await ops.snapshotActiveWork({ stuckAfterMinutes: input.thresholds.stuckRecordsThresholdHours * 60 });
  const alerts = await ops.syncAlerts({ kinds: [...STUCK_CHECK_KINDS], current: stuckCheckAlerts(snapshot, input.thresholds) });
  return { stuck: snapshot.stuckCount, pending: snapshot.pendingCount, breachedReviews: snapshot.breachedReviews.length, raised: alerts.raised, resolved: alerts.resolved.length };
}

export interface SessionCleanupInput {
  sessionTimeoutSeconds: number;
  /** Unprocessed webhook receipts older than this are flagged. */
  stuckReceiptHours: number;
}

export interface SessionCleanupResult {
  expiredRecordIds: string[];
  stillRunning: number;
  stuckReceipts: number;
  raised: string[];
}

/**
 * Daily at 02:00: verifications still waiting for the customer past the session timeout whose
 * workflow is no longer running are expired (with an audit event), and webhook receipts that
 * never reached their verification are flagged.
 */
export async function opsExpiredSessionCleanup(input: SessionCleanupInput): Promise<SessionCleanupResult> {
  const { abandoned, stillRunning } = await ops.findAbandonedVerifications({ sessionTimeoutSeconds: input.sessionTimeoutSeconds, limit: CLEANUP_BATCH });
  const expiredRecordIds: string[] = [];
  for (const verification of abandoned) {
    const { expired } = await ops.expireAbandonedVerification({ ...verification, sessionTimeoutSeconds: input.sessionTimeoutSeconds });
    if (expired) expiredRecordIds.push(verification.recordId);
  }
  if (abandoned.length === CLEANUP_BATCH) log.warn('more abandoned verifications than one cleanup run takes; the next run continues', { batch: CLEANUP_BATCH });

  const receipts = await ops.findStuckWebhookReceipts({ olderThanMinutes: input.stuckReceiptHours * 60 });
  // The workflow clock (its start) names the day: deterministic, and the same on every replay.
  const day = new Date().toISOString().slice(0, 10);
  const events = await ops.raiseAlerts({ alerts: abandonedVerificationAlerts(expiredRecordIds, day) });
  const conditions = await ops.syncAlerts({ kinds: [...CLEANUP_CONDITION_KINDS], current: stuckReceiptAlerts(receipts, input.stuckReceiptHours) });
  return { expiredRecordIds, stillRunning, stuckReceipts: receipts.count, raised: [...events.raised, ...conditions.raised] };
}

export interface DailyReportInput {
  thresholds: AlertThresholds;
  timeZone: string;
  /** YYYY-MM-DD; by default the day before the run started, in the time zone. */
  reportDate?: string;
}

export interface DailyReportResult {
  figures: DailyReportFigures;
  alerts: string[];
}

/** Daily at 08:00: yesterday's figures, stored in ops_daily_reports; a low approval rate or slow processing alerts. */
export async function opsDailyReport(input: DailyReportInput): Promise<DailyReportResult> {
  const figures = await ops.buildDailyReport({ reportDate: input.reportDate, asOf: new Date().toISOString(), timeZone: input.timeZone });
  const drafts = dailyReportAlerts(figures, input.thresholds);
  await ops.raiseAlerts({ alerts: drafts });
  const alerts = drafts.map((d) => d.conditionKey);
  await ops.storeDailyReport({ figures, alerts });
  return { figures, alerts };
}
