import { log } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type ActiveWorkSnapshot, type AlertDraft, type AlertKind, type DailyReportFigures } from '../domain/alerts';
import { DEFAULT_STATUS_TEXT } from '../domain/status';
import { type Db } from '../infra/db';
import { raiseAlerts, syncConditionAlerts, type RaisedAlert } from '../store/alerts';
import { awaitingCustomerCount, breachedReviews, dailyReportFigures, dayBefore, sessionsOlderThan, stuckRecords, stuckWebhookReceipts } from '../store/ops-queries';
import { type Prisma } from '../generated/prisma/client';
import { type RecordStore } from '../store/records';

// The I/O of the scheduled ops workflows (workflows/ops-*.ts): read what the checks look at,
// write alerts, expire abandoned verifications, store the daily report.

export interface OpsActivityDeps {
  db: Db;
  records: RecordStore;
  // Describes verification workflows (is this one still running?); any client of the namespace.
  temporal: Client;
}

export interface AbandonedVerification {
  recordId: string;
  status: string;
  sessionStartedAt: string;
  workflowStatus: string;
}

const STUCK_LIST_LIMIT = 200;

function logRaised(raised: readonly RaisedAlert[], resolved: readonly { id: string; kind: string }[] = []): void {
  for (const alert of raised.filter((a) => a.isNew)) {
    const fields = { alert: alert.kind, alertId: alert.id, severity: alert.severity, conditionKey: alert.conditionKey };
    if (alert.severity === 'critical') log.error('ops alert raised', fields);
    else log.warn('ops alert raised', fields);
  }
  for (const alert of resolved) log.info('ops alert resolved', { alert: alert.kind, alertId: alert.id });
}

const summary = (raised: readonly RaisedAlert[]) => ({ raised: raised.filter((a) => a.isNew).map((a) => a.conditionKey), updated: raised.filter((a) => !a.isNew).map((a) => a.conditionKey) });

export function createOpsActivities(deps: OpsActivityDeps) {
  const { db, temporal, records } = deps;

  async function workflowStatus(workflowId: string, runId: string): Promise<string> {
    try {
      return (await temporal.workflow.getHandle(workflowId, runId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  }

  return {
    async snapshotActiveWork(input: { stuckAfterMinutes: number }): Promise<ActiveWorkSnapshot> {
      const [stuck, pendingCount, reviews] = await Promise.all([
        stuckRecords(db, { olderThanMinutes: input.stuckAfterMinutes, limit: STUCK_LIST_LIMIT }),
        awaitingCustomerCount(db),
        breachedReviews(db, { limit: STUCK_LIST_LIMIT }),
      ]);
      return {
        stuck: stuck.records.map((r) => ({ recordId: r.id, status: r.status, minutesSinceCreated: r.minutesSinceCreated })),
        stuckCount: stuck.count,
        pendingCount,
        breachedReviews: reviews.map((r) => ({ taskId: r.taskId, recordId: r.recordId, dueAt: r.dueAt.toISOString(), overdueMinutes: r.overdueMinutes })),
      };
    },

    async syncAlerts(input: { kinds: AlertKind[]; current: AlertDraft[] }): Promise<{ raised: string[]; updated: string[]; resolved: string[] }> {
      const { raised, resolved } = await syncConditionAlerts(db, input.kinds, input.current);
      logRaised(raised, resolved);
      return { ...summary(raised), resolved: resolved.map((r) => r.id) };
    },

    async raiseAlerts(input: { alerts: AlertDraft[] }): Promise<{ raised: string[]; updated: string[] }> {
      const raised = await raiseAlerts(db, input.alerts);
      logRaised(raised);
      return summary(raised);
    },

    // Waiting for the customer past the session timeout, and their workflow no longer runs:
    // nothing will ever move them on (and the customer cannot start anew while one is open).
    async findAbandonedVerifications(input: { sessionTimeoutSeconds: number; limit: number }): Promise<{ abandoned: AbandonedVerification[]; stillRunning: number }> {
      const candidates = await sessionsOlderThan(db, { seconds: input.sessionTimeoutSeconds, limit: input.limit });
      const abandoned: AbandonedVerification[] = [];
      let stillRunning = 0;
      for (const candidate of candidates) {
        const status = await workflowStatus(candidate.workflowId, candidate.workflowRunId);
        if (status === 'RUNNING') {
          stillRunning++;
          continue;
        }
        abandoned.push({ recordId: candidate.recordId, status: candidate.status, sessionStartedAt: candidate.sessionStartedAt.toISOString(), workflowStatus: status });
      }
      if (stillRunning) log.warn('verifications past their session timeout are still running', { count: stillRunning });
      return { abandoned, stillRunning };
    },

    async expireAbandonedVerification(input: AbandonedVerification & { sessionTimeoutSeconds: number }): Promise<{ expired: boolean }> {
      const text = DEFAULT_STATUS_TEXT.expired;
      const expired = await records.expireAbandoned({
        recordId: input.recordId,
        reason: text.reason,
        nextAction: text.nextAction,
        data: { sessionStartedAt: input.sessionStartedAt, sessionTimeoutSeconds: input.sessionTimeoutSeconds, workflowStatus: input.workflowStatus },
      });
      if (expired) log.warn('abandoned verification expired', { recordId: input.recordId, workflowStatus: input.workflowStatus });
      return { expired };
    },

    async findStuckWebhookReceipts(input: { olderThanMinutes: number }): Promise<{ count: number; receiptIds: string[]; oldestReceivedAt: string | null }> {
      const found = await stuckWebhookReceipts(db, { olderThanMinutes: input.olderThanMinutes, limit: STUCK_LIST_LIMIT });
      return { count: found.count, receiptIds: found.receiptIds, oldestReceivedAt: found.oldestReceivedAt?.toISOString() ?? null };
    },

    /** The figures of `reportDate`, or of the day before `asOf` (the run's start) in the time zone. */
    async buildDailyReport(input: { reportDate?: string; asOf: string; timeZone: string }): Promise<DailyReportFigures> {
      const date = input.reportDate ?? (await dayBefore(db, new Date(input.asOf), input.timeZone));
      return dailyReportFigures(db, date, input.timeZone);
    },

    async storeDailyReport(input: { figures: DailyReportFigures; alerts: string[] }): Promise<void> {
      const figures = { ...input.figures, alerts: input.alerts } satisfies Prisma.InputJsonObject;
      const reportDate = new Date(`${input.figures.date}T00:00:00Z`);
      await db.opsDailyReport.upsert({
        where: { reportDate },
        create: { reportDate, timeZone: input.figures.timeZone, figures },
        update: { timeZone: input.figures.timeZone, figures, generatedAt: new Date() },
      });
      log.info('daily KYC report stored', { day: input.figures.date, total: input.figures.total, approvalRate: input.figures.approvalRate, alerts: input.alerts.length });
    },
  };
}
