import { z } from 'zod';
import { type Config } from './config';
import { type ListGap } from './screening';

// The alert thresholds (KYC_ALERT_*) and the rules that turn what the scheduled checks see into
// alerts. Pure, so the ops workflows run them deterministically and tests call them directly.
// Alert details carry ids, counts and thresholds: never names, documents or addresses.

export interface AlertThresholds {
  /** pending_records_limit: verifications waiting for the customer (pending, in_progress). */
  pendingRecordsLimit: number;
  /** approval_rate_minimum, percent of the day's decided verifications. */
  approvalRateMinimum: number;
  /** processing_time_maximum, minutes from start to approval (day average). */
  processingTimeMaximumMinutes: number;
  /** stuck_records_threshold, hours. */
  stuckRecordsThresholdHours: number;
}

export function alertThresholds(config: Pick<Config, 'KYC_ALERT_PENDING_RECORDS_LIMIT' | 'KYC_ALERT_APPROVAL_RATE_MINIMUM' | 'KYC_ALERT_PROCESSING_TIME_MAXIMUM' | 'KYC_ALERT_STUCK_RECORDS_THRESHOLD'>): AlertThresholds {
  return {
    pendingRecordsLimit: config.KYC_ALERT_PENDING_RECORDS_LIMIT,
    approvalRateMinimum: config.KYC_ALERT_APPROVAL_RATE_MINIMUM,
    processingTimeMaximumMinutes: config.KYC_ALERT_PROCESSING_TIME_MAXIMUM,
    stuckRecordsThresholdHours: config.KYC_ALERT_STUCK_RECORDS_THRESHOLD,
  };
}

export const alertKindSchema = z.enum([
  'stuck_verifications',
  'pending_backlog',
  'review_sla_breached',
  'stuck_webhook_receipts',
  'abandoned_verifications_expired',
  'low_approval_rate',
  'slow_processing',
  'webhook_delivery_failed',
  // What a retention run removed (counts per kind of data; store/retention.ts).
  'retention_run',
  'screening_true_match',
  'screening_list_refresh_failed',
  // A required list is not loaded or older than its maximum age: verifications wait in review.
  'screening_lists_unavailable',
]);
export type AlertKind = z.infer<typeof alertKindSchema>;

// info: a report for the record (a retention run), nothing to fix.
export const alertSeveritySchema = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

/** An alert a check wants raised; conditionKey makes raising it again an update, not a new alert. */
export interface AlertDraft {
  kind: AlertKind;
  severity: AlertSeverity;
  conditionKey: string;
  details: Record<string, unknown>;
}

// Lists in alert details are cut here: the alert says how many, the endpoints list them all.
export const ALERT_ID_LIST_LIMIT = 50;

// ---------------------------------------------------------------------------------------------
// The stuck-verification check (every 5 minutes)

export interface ActiveWorkSnapshot {
  stuck: { recordId: string; status: string; minutesSinceCreated: number }[];
  stuckCount: number;
  pendingCount: number;
  breachedReviews: { taskId: string; recordId: string; dueAt: string; overdueMinutes: number }[];
}

/** The kinds whose open alerts the stuck check owns: whatever it no longer finds is resolved. */
export const STUCK_CHECK_KINDS: readonly AlertKind[] = ['stuck_verifications', 'pending_backlog', 'review_sla_breached'];

export function stuckCheckAlerts(snapshot: ActiveWorkSnapshot, thresholds: AlertThresholds): AlertDraft[] {
  const alerts: AlertDraft[] = [];
  if (snapshot.stuckCount > 0) {
    alerts.push({
      kind: 'stuck_verifications',
      severity: 'warning',
      conditionKey: 'stuck_verifications',
      details: {
        count: snapshot.stuckCount,
        thresholdHours: thresholds.stuckRecordsThresholdHours,
        oldestMinutes: Math.max(...snapshot.stuck.map((r) => r.minutesSinceCreated)),
        recordIds: snapshot.stuck.slice(0, ALERT_ID_LIST_LIMIT).map((r) => r.recordId),
      },
    });
  }
  if (snapshot.pendingCount > thresholds.pendingRecordsLimit) {
    alerts.push({
      kind: 'pending_backlog',
      severity: 'warning',
      conditionKey: 'pending_backlog',
      details: { count: snapshot.pendingCount, limit: thresholds.pendingRecordsLimit },
    });
  }
  // The review workflow alerts ops (OPS_ALERT outbox event) when an escalated review passes its
  // SLA; the same fact, read from the open task, becomes one alert per task until it is decided.
  for (const review of snapshot.breachedReviews) {
    alerts.push({
      kind: 'review_sla_breached',
      severity: 'critical',
      conditionKey: `review_sla_breached:${review.taskId}`,
      details: { taskId: review.taskId, recordId: review.recordId, dueAt: review.dueAt, overdueMinutes: review.overdueMinutes },
    });
  }
  return alerts;
}

// ---------------------------------------------------------------------------------------------
// The expired-session cleanup (daily, 02:00)

export const CLEANUP_CONDITION_KINDS: readonly AlertKind[] = ['stuck_webhook_receipts'];

export function stuckReceiptAlerts(receipts: { count: number; receiptIds: string[]; oldestReceivedAt: string | null }, thresholdHours: number): AlertDraft[] {
  if (receipts.count === 0) return [];
  return [
    {
      kind: 'stuck_webhook_receipts',
      // A decision Veriff sent has not reached its verification: a customer is waiting on it.
      severity: 'critical',
      conditionKey: 'stuck_webhook_receipts',
      details: { count: receipts.count, thresholdHours, oldestReceivedAt: receipts.oldestReceivedAt, receiptIds: receipts.receiptIds.slice(0, ALERT_ID_LIST_LIMIT) },
    },
  ];
}

/** Verifications the cleanup had to expire: their workflows had stopped without closing them. */
export function abandonedVerificationAlerts(expiredRecordIds: string[], day: string): AlertDraft[] {
  if (expiredRecordIds.length === 0) return [];
  return [
    {
      kind: 'abandoned_verifications_expired',
      severity: 'warning',
      conditionKey: `abandoned_verifications_expired:${day}`,
      details: { day, count: expiredRecordIds.length, recordIds: expiredRecordIds.slice(0, ALERT_ID_LIST_LIMIT) },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The daily report (08:00, the day before)

export const dailyReportFiguresSchema = z.object({
  date: z.iso.date(),
  timeZone: z.string(),
  total: z.number().int().describe('Verifications started that day'),
  approved: z.number().int(),
  rejected: z.number().int(),
  pending: z.number().int(),
  inProgress: z.number().int(),
  underReview: z.number().int(),
  expired: z.number().int(),
  other: z.number().int().describe('Every other status (submitted, resubmission_required, error)'),
  approvalRate: z.number().nullable().describe('Percent of the decided ones (approved / (approved + rejected)); null when none was decided'),
  avgProcessingMinutes: z.number().nullable().describe('Average minutes from start to approval (verified_at); null when none was approved'),
  duplicateDocumentGroups: z.number().int().describe('Document numbers (by keyed hash) used by several customers, among the day’s verifications'),
  retentionRemoved: z.record(z.string(), z.number().int()).describe('What the retention runs of that day removed, per kind of data (counts)'),
});
export type DailyReportFigures = z.infer<typeof dailyReportFiguresSchema>;

export function dailyReportAlerts(report: DailyReportFigures, thresholds: AlertThresholds): AlertDraft[] {
  const alerts: AlertDraft[] = [];
  if (report.approvalRate !== null && report.approvalRate < thresholds.approvalRateMinimum) {
    alerts.push({
      kind: 'low_approval_rate',
      severity: 'warning',
      conditionKey: `low_approval_rate:${report.date}`,
      details: { day: report.date, approvalRate: report.approvalRate, minimum: thresholds.approvalRateMinimum, approved: report.approved, rejected: report.rejected },
    });
  }
  if (report.avgProcessingMinutes !== null && report.avgProcessingMinutes > thresholds.processingTimeMaximumMinutes) {
    alerts.push({
      kind: 'slow_processing',
      severity: 'warning',
      conditionKey: `slow_processing:${report.date}`,
      details: { day: report.date, avgProcessingMinutes: report.avgProcessingMinutes, maximumMinutes: thresholds.processingTimeMaximumMinutes, approved: report.approved },
    });
  }
  return alerts;
}

// ---------------------------------------------------------------------------------------------
// Sanctions and PEP screening

/** A reviewer confirmed a list hit as the customer: compliance must act (freeze, report). */
export function screeningTrueMatchAlert(input: { recordId: string; caseHitId: string; entryId: string; kind: string; resolvedBy: string; monitoring: boolean }): AlertDraft {
  return {
    kind: 'screening_true_match',
    severity: 'critical',
    conditionKey: `screening_true_match:${input.caseHitId}`,
    details: { recordId: input.recordId, caseHitId: input.caseHitId, entryId: input.entryId, entryKind: input.kind, resolvedBy: input.resolvedBy, customer: input.monitoring ? 'approved' : 'applicant' },
  };
}

/** The kinds whose open alerts the list refresh owns: a source that refreshes again resolves its own. */
export const LIST_REFRESH_KINDS: readonly AlertKind[] = ['screening_list_refresh_failed'];
export const LIST_GAP_KINDS: readonly AlertKind[] = ['screening_lists_unavailable'];

/**
 * One critical alert per required list that is missing or out of date: every verification
 * screened meanwhile is held in review (SCREENING_INCOMPLETE) until the list is back.
 */
export function listGapAlerts(gaps: readonly ListGap[]): AlertDraft[] {
  return gaps.map((gap) => ({
    kind: 'screening_lists_unavailable',
    severity: 'critical',
    conditionKey: `screening_lists_unavailable:${gap.source}`,
    details: { source: gap.source, problem: gap.problem, checkedAt: gap.checkedAt, maxAgeHours: gap.maxAgeHours },
  }));
}

/** One alert per configured source whose refresh was refused (its version in force stays). */
export function listRefreshAlerts(failures: readonly { source: string; error: string }[]): AlertDraft[] {
  return failures.map((failure) => ({
    kind: 'screening_list_refresh_failed',
    severity: 'warning',
    conditionKey: `screening_list_refresh_failed:${failure.source}`,
    details: { source: failure.source, error: failure.error.slice(0, 500) },
  }));
}
