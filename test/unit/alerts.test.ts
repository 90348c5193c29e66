// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alertThresholds, dailyReportAlerts, stuckCheckAlerts, stuckReceiptAlerts, type DailyReportFigures } from '../../domain/alerts';
import { ConfigError, loadConfig } from '../../domain/config';

// The alert thresholds (KYC_ALERT_*): their defaults, their configuration, and the rules that turn
// what the checks see into alerts (the ops workflows run these rules; see test/e2e/ops-checks.test.ts).

const defaults = alertThresholds(loadConfig({}));

const report = (figures: Partial<DailyReportFigures>): DailyReportFigures => ({
  date: '2026-03-10', timeZone: 'UTC', total: 10, approved: 5, rejected: 5, pending: 0, inProgress: 0, underReview: 0, expired: 0, other: 0,
  approvalRate: 50, avgProcessingMinutes: 120, duplicateDocumentGroups: 0, retentionRemoved: {}, ...figures,
});

describe('ops alert thresholds', () => {
  test("when nothing is configured, then the default thresholds apply", () => {
    assert.deepEqual(defaults, { pendingRecordsLimit: 100, approvalRateMinimum: 50, processingTimeMaximumMinutes: 120, stuckRecordsThresholdHours: 2 });
    assert.equal(loadConfig({}).KYC_OPS_TIMEZONE, 'UTC');
  });

  test('when thresholds are configured, then they are read; a bad value or time zone stops the start naming it', () => {
    const config = loadConfig({ KYC_ALERT_PENDING_RECORDS_LIMIT: '250', KYC_ALERT_APPROVAL_RATE_MINIMUM: '62.5', KYC_ALERT_PROCESSING_TIME_MAXIMUM: '45', KYC_ALERT_STUCK_RECORDS_THRESHOLD: '0.5', KYC_OPS_TIMEZONE: 'Africa/Gaborone' });
    assert.deepEqual(alertThresholds(config), { pendingRecordsLimit: 250, approvalRateMinimum: 62.5, processingTimeMaximumMinutes: 45, stuckRecordsThresholdHours: 0.5 });
    assert.throws(() => loadConfig({ KYC_ALERT_APPROVAL_RATE_MINIMUM: '150' }), (err: Error) => err instanceof ConfigError && err.message.includes('KYC_ALERT_APPROVAL_RATE_MINIMUM'));
    assert.throws(() => loadConfig({ KYC_OPS_TIMEZONE: 'Mars/Olympus' }), (err: Error) => err instanceof ConfigError && err.message.includes('KYC_OPS_TIMEZONE'));
    assert.throws(() => loadConfig({ METRICS_PORT: '70000' }), (err: Error) => err.message.includes('METRICS_PORT'));
  });
});

describe('ops alert rules', () => {
  const quiet = { stuck: [], stuckCount: 0, pendingCount: 100, breachedReviews: [] };

  test('when nothing is stuck and the backlog is at the limit, then the stuck check raises nothing', () => {
    assert.deepEqual(stuckCheckAlerts(quiet, defaults), []);
  });

  test('when records are stuck, the backlog is over the limit and reviews are overdue, then each condition has its alert and key', () => {
    const alerts = stuckCheckAlerts(
      {
        stuck: [{ recordId: 'r1', status: 'pending', minutesSinceCreated: 400 }, { recordId: 'r2', status: 'in_progress', minutesSinceCreated: 130 }],
        stuckCount: 2,
        pendingCount: 101,
        breachedReviews: [{ taskId: 't1', recordId: 'r3', dueAt: '2026-03-10T10:00:00.000Z', overdueMinutes: 5 }],
      },
      defaults,
    );
    assert.deepEqual(alerts.map((a) => [a.kind, a.severity, a.conditionKey]), [
      ['stuck_verifications', 'warning', 'stuck_verifications'],
      ['pending_backlog', 'warning', 'pending_backlog'],
      ['review_sla_breached', 'critical', 'review_sla_breached:t1'],
    ]);
    assert.deepEqual(alerts[0]!.details, { count: 2, thresholdHours: 2, oldestMinutes: 400, recordIds: ['r1', 'r2'] });
  });

  test('when more records are stuck than an alert lists, then the count is whole and the list is cut', () => {
    const stuck = Array.from({ length: 80 }, (_, i) => ({ recordId: `r${i}`, status: 'pending', minutesSinceCreated: 200 }));
    const [alert] = stuckCheckAlerts({ ...quiet, stuck, stuckCount: 500 }, defaults);
    assert.equal((alert!.details as { count: number }).count, 500);
    assert.equal((alert!.details as { recordIds: string[] }).recordIds.length, 50);
  });

  test('when the approval rate is below the minimum and approvals are slower than the maximum, then the report alerts for that day', () => {
    assert.deepEqual(dailyReportAlerts(report({}), defaults), [], 'at the thresholds: no alert');
    const alerts = dailyReportAlerts(report({ approvalRate: 49.99, avgProcessingMinutes: 120.01 }), defaults);
    assert.deepEqual(alerts.map((a) => a.conditionKey), ['low_approval_rate:2026-03-10', 'slow_processing:2026-03-10']);
  });

  test('when nothing was decided or approved that day, then the report has no rate to judge', () => {
    assert.deepEqual(dailyReportAlerts(report({ approved: 0, rejected: 0, approvalRate: null, avgProcessingMinutes: null }), defaults), []);
  });

  test('when webhook receipts are stuck, then one critical alert lists them', () => {
    assert.deepEqual(stuckReceiptAlerts({ count: 0, receiptIds: [], oldestReceivedAt: null }, 2), []);
    const [alert] = stuckReceiptAlerts({ count: 1, receiptIds: ['w1'], oldestReceivedAt: '2026-03-10T08:00:00.000Z' }, 2);
    assert.equal(alert?.severity, 'critical');
  });
});
