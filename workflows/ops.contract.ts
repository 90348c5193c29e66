import { type AlertThresholds, type DailyReportFigures } from '../domain/alerts';
import { RETENTION_SCHEDULE_ID } from './privacy.contract';

// The contract of the scheduled ops workflows (workflows/ops-checks.ts): their inputs and results
// and the ids of the Temporal Schedules that start them (worker/schedules.ts defines those). The
// ops CLI, the API and the tests import this file. No Node APIs here.

export const OPS_SCHEDULE_IDS = {
  stuckCheck: 'kyc-ops-stuck-verification-check',
  sessionCleanup: 'kyc-ops-expired-session-cleanup',
  dailyReport: 'kyc-ops-daily-report',
  // The retention policy (workflows/privacy.ts, privacyRetention).
  retention: RETENTION_SCHEDULE_ID,
} as const;

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
