import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import { type Workflow } from '@temporalio/common';
import { alertThresholds } from '../domain/alerts';
import { type Config } from '../domain/config';
import { retentionPolicies } from '../domain/privacy';
import { opsDailyReport, opsExpiredSessionCleanup, opsStuckVerificationCheck } from '../workflows/ops-checks';
import { privacyRetention } from '../workflows/privacy';
import { OPS_SCHEDULE_IDS } from '../workflows/ops.contract';
import { screeningListRefresh, screeningRescreen } from '../workflows/screening-monitor';
import { SCREENING_SCHEDULE_IDS, screeningCaseSettings } from '../workflows/screening-monitor.contract';

// The periodic jobs as Temporal Schedules: the ops checks, and the screening list refresh and full
// rescreen. ensureOpsSchedules and ensureScreeningSchedules create each one, or update it when it
// exists (spec, action, policies; a pause set by ops is kept), so running them on every start and
// every deploy is safe. Settings travel in the workflows' input: changing one takes effect when
// the setup runs again (`npm start` does, production runs `npm run schedules`).

export type OpsScheduleConfig = Pick<
  Config,
  | 'TEMPORAL_TASK_QUEUE'
  | 'KYC_OPS_TIMEZONE'
  | 'KYC_SESSION_TIMEOUT'
  | 'KYC_ALERT_PENDING_RECORDS_LIMIT'
  | 'KYC_ALERT_APPROVAL_RATE_MINIMUM'
  | 'KYC_ALERT_PROCESSING_TIME_MAXIMUM'
  | 'KYC_ALERT_STUCK_RECORDS_THRESHOLD'
  | 'KYC_RETENTION_WEBHOOK_BODY_DAYS'
  | 'KYC_RETENTION_REJECTED_DAYS'
  | 'KYC_RETENTION_EXPIRED_DAYS'
  | 'KYC_RETENTION_SESSION_LINK_DAYS'
  | 'KYC_RETENTION_SECURITY_LOG_DAYS'
  | 'KYC_RETENTION_DELIVERY_LOG_DAYS'
  | 'KYC_RETENTION_UNATTACHED_UPLOAD_DAYS'
>;

// Rows per activity call of the retention run: short transactions, and the run's history stays small.
const RETENTION_BATCH = 500;

interface Definition<W extends Workflow> {
  scheduleId: string;
  /** A cron expression in KYC_OPS_TIMEZONE, or an interval. */
  timing: { cron: string } | { every: string };
  note: string;
  workflowType: W;
  args: Parameters<W>;
  /** A run that cannot finish in this time fails, so the next one is not skipped behind it forever. */
  runTimeout: string;
  /** After an outage, a missed run later than this is skipped rather than run late. */
  catchupWindow: string;
}

function scheduleOptions<W extends Workflow>(definition: Definition<W>, config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'KYC_OPS_TIMEZONE'>, idPrefix: string): ScheduleOptions {
  const scheduleId = `${idPrefix}${definition.scheduleId}`;
  return {
    scheduleId,
    spec: ('every' in definition.timing ? { intervals: [{ every: definition.timing.every }] } : { cronExpressions: [definition.timing.cron], timezone: config.KYC_OPS_TIMEZONE }) satisfies ScheduleSpec,
    action: {
      type: 'startWorkflow',
      workflowType: definition.workflowType,
      args: definition.args,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      // The schedule appends the scheduled time: one id per run, findable in the UI.
      workflowId: scheduleId,
      workflowRunTimeout: definition.runTimeout,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: definition.catchupWindow, pauseOnFailure: false },
    state: { note: definition.note },
  };
}

export function opsScheduleDefinitions(config: OpsScheduleConfig, idPrefix = ''): ScheduleOptions[] {
  const thresholds = alertThresholds(config);
  return [
    scheduleOptions(
      {
        scheduleId: OPS_SCHEDULE_IDS.stuckCheck,
        timing: { cron: '*/5 * * * *' },
        note: "check-kyc-status: stuck verifications, pending backlog, overdue escalated reviews",
        workflowType: opsStuckVerificationCheck,
        args: [{ thresholds }],
        runTimeout: '4 minutes',
        catchupWindow: '5 minutes',
      },
      config,
      idPrefix,
    ),
    scheduleOptions(
      {
        scheduleId: OPS_SCHEDULE_IDS.sessionCleanup,
        timing: { cron: '0 2 * * *' },
        note: "cleanup-expired-sessions: abandoned verifications expired, stuck webhook receipts flagged",
        workflowType: opsExpiredSessionCleanup,
        args: [{ sessionTimeoutSeconds: config.KYC_SESSION_TIMEOUT, stuckReceiptHours: config.KYC_ALERT_STUCK_RECORDS_THRESHOLD }],
        runTimeout: '1 hour',
        catchupWindow: '6 hours',
      },
      config,
      idPrefix,
    ),
    scheduleOptions(
      {
        scheduleId: OPS_SCHEDULE_IDS.dailyReport,
        timing: { cron: '0 8 * * *' },
        note: "generate-daily-report: yesterday's figures, stored in ops_daily_reports",
        workflowType: opsDailyReport,
        args: [{ thresholds, timeZone: config.KYC_OPS_TIMEZONE }],
        runTimeout: '30 minutes',
        catchupWindow: '12 hours',
      },
      config,
      idPrefix,
    ),
    scheduleOptions(
      {
        scheduleId: OPS_SCHEDULE_IDS.retention,
        timing: { cron: '0 3 * * *' },
        note: 'privacy-retention: each kind of data past its retention period removed (docs/privacy.md, Retention), AML-retained records past their end erased; counts reported',
        workflowType: privacyRetention,
        args: [{ policies: retentionPolicies(config), batch: RETENTION_BATCH }],
        runTimeout: '6 hours',
        catchupWindow: '12 hours',
      },
      config,
      idPrefix,
    ),
  ];
}

export interface ScheduleSetupResult {
  scheduleId: string;
  outcome: 'created' | 'updated';
}

export type ScreeningScheduleConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'KYC_OPS_TIMEZONE' | 'SCREENING_FULL_RESCREEN_DAYS' | 'SCREENING_HIT_ACTION' | 'KYC_REVIEW_SLA' | 'KYC_ESCALATION_SLA'>;

export function screeningScheduleDefinitions(config: ScreeningScheduleConfig, idPrefix = ''): ScheduleOptions[] {
  const settings = screeningCaseSettings(config);
  return [
    scheduleOptions(
      {
        scheduleId: SCREENING_SCHEDULE_IDS.listRefresh,
        timing: { cron: '0 3 * * *' },
        note: 'screening list refresh: load SCREENING_SOURCES, rescreen approved customers against what changed',
        workflowType: screeningListRefresh,
        args: [{ settings }],
        runTimeout: '1 hour',
        catchupWindow: '6 hours',
      },
      config,
      idPrefix,
    ),
    scheduleOptions(
      {
        scheduleId: SCREENING_SCHEDULE_IDS.fullRescreen,
        timing: { every: `${config.SCREENING_FULL_RESCREEN_DAYS} days` },
        note: `screening full rescreen: every approved customer against every entry in force, every ${config.SCREENING_FULL_RESCREEN_DAYS} days (SCREENING_FULL_RESCREEN_DAYS)`,
        workflowType: screeningRescreen,
        args: [{ trigger: 'periodic', listVersionIds: [], settings }],
        // Per run: the rescreen continues as new every few batches.
        runTimeout: '2 hours',
        catchupWindow: '1 day',
      },
      config,
      idPrefix,
    ),
  ];
}

/** Creates the ops schedules, or brings existing ones up to date. `idPrefix` keeps tests apart. */
export async function ensureOpsSchedules(client: Client, config: OpsScheduleConfig, options: { idPrefix?: string } = {}): Promise<ScheduleSetupResult[]> {
  return ensureSchedules(client, opsScheduleDefinitions(config, options.idPrefix));
}

/** Creates the screening schedules (daily list refresh, periodic full rescreen), or brings them up to date. */
export async function ensureScreeningSchedules(client: Client, config: ScreeningScheduleConfig, options: { idPrefix?: string } = {}): Promise<ScheduleSetupResult[]> {
  return ensureSchedules(client, screeningScheduleDefinitions(config, options.idPrefix));
}

async function ensureSchedules(client: Client, definitions: ScheduleOptions[]): Promise<ScheduleSetupResult[]> {
  const results: ScheduleSetupResult[] = [];
  for (const schedule of definitions) {
    try {
      await client.schedule.create(schedule);
      results.push({ scheduleId: schedule.scheduleId, outcome: 'created' });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({
        spec: schedule.spec,
        action: schedule.action,
        policies: schedule.policies,
        state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : schedule.state?.note },
      }));
      results.push({ scheduleId: schedule.scheduleId, outcome: 'updated' });
    }
  }
  return results;
}
