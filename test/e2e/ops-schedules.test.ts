// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../domain/config';
import { ensureOpsSchedules } from '../../worker/schedules';
import { OPS_SCHEDULE_IDS } from '../../workflows/ops.contract';
import { type StuckCheckInput, type StuckCheckResult } from '../../workflows/ops.contract';
import { eventually, startTestSystem, type TestSystem } from '../support/system';

// The ops schedules as Temporal Schedules: the setup is idempotent (create, else update),
// keeps a pause set by ops, and what it schedules runs on the worker.

describe('ops schedules', () => {
  let system: TestSystem;
  // Schedule ids are namespace-wide: this test's own prefix keeps it apart from any other run.
  const idPrefix = `test-${randomUUID().slice(0, 8)}-`;
  const ids = Object.values(OPS_SCHEDULE_IDS).map((id) => `${idPrefix}${id}`);

  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    for (const id of ids) await system?.client.schedule.getHandle(id).delete().catch(() => undefined);
    await system?.stop();
  });

  const ourSchedules = async () => {
    const found: string[] = [];
    for await (const schedule of system.client.schedule.list()) if (schedule.scheduleId.startsWith(idPrefix)) found.push(schedule.scheduleId);
    return found.sort();
  };

  test('when the setup runs twice, then each schedule exists once, created then updated', async () => {
    const first = await ensureOpsSchedules(system.client, system.config, { idPrefix });
    assert.deepEqual(first.map((r) => r.outcome), ['created', 'created', 'created', 'created']);
    const second = await ensureOpsSchedules(system.client, system.config, { idPrefix });
    assert.deepEqual(second, ids.map((scheduleId) => ({ scheduleId, outcome: 'updated' })));
    await eventually(ourSchedules, (found) => found.length === ids.length, 20_000, 'the schedule list');
    assert.deepEqual(await ourSchedules(), [...ids].sort());

    const stuck = await system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.stuckCheck}`).describe();
    assert.equal(stuck.action.type, 'startWorkflow');
    assert.equal(stuck.action.workflowType, 'opsStuckVerificationCheck');
    assert.equal(stuck.action.taskQueue, system.config.TEMPORAL_TASK_QUEUE);
    assert.deepEqual(stuck.action.args, [{ thresholds: { pendingRecordsLimit: 100, approvalRateMinimum: 50, processingTimeMaximumMinutes: 120, stuckRecordsThresholdHours: 2 } }]);
    assert.equal(stuck.spec.timezone, 'UTC');
    assert.equal(stuck.policies.overlap, 'SKIP');
    assert.deepEqual(stuck.spec.calendars?.map((c) => c.minute), [[{ start: 0, end: 59, step: 5 }]]);
    const cleanup = await system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.sessionCleanup}`).describe();
    assert.deepEqual(cleanup.spec.calendars?.map((c) => [c.hour, c.minute]), [[[{ start: 2, end: 2, step: 1 }], [{ start: 0, end: 0, step: 1 }]]]);
    assert.deepEqual(cleanup.action.args, [{ sessionTimeoutSeconds: 3600, stuckReceiptHours: 2 }]);
    const report = await system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.dailyReport}`).describe();
    assert.deepEqual(report.spec.calendars?.map((c) => c.hour), [[{ start: 8, end: 8, step: 1 }]]);
    const retention = await system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.retention}`).describe();
    assert.equal(retention.action.type, 'startWorkflow');
    assert.equal(retention.action.workflowType, 'privacyRetention');
    assert.deepEqual(retention.spec.calendars?.map((c) => c.hour), [[{ start: 3, end: 3, step: 1 }]]);
    assert.deepEqual(retention.action.args, [
      {
        policies: [
          { kind: 'webhook_bodies', days: 90 },
          { kind: 'rejected_applications', days: 365 },
          { kind: 'expired_applications', days: 90 },
          { kind: 'session_links', days: 7 },
          { kind: 'security_log', days: 365 },
          { kind: 'delivery_logs', days: 90 },
          { kind: 'unattached_uploads', days: 7 },
        ],
        batch: 500,
      },
    ]);
  });

  test('when the configuration changed, then the setup updates the schedules, and a pause set by ops stays', async () => {
    await ensureOpsSchedules(system.client, system.config, { idPrefix });
    const paused = system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.dailyReport}`);
    await paused.pause('paused by ops during the migration');
    const changed = loadConfig({ ...process.env, TEMPORAL_TASK_QUEUE: system.config.TEMPORAL_TASK_QUEUE, KYC_ALERT_STUCK_RECORDS_THRESHOLD: '3', KYC_OPS_TIMEZONE: 'Africa/Gaborone' });
    const results = await ensureOpsSchedules(system.client, changed, { idPrefix });
    assert.ok(results.every((r) => r.outcome === 'updated'));

    const stuck = await system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.stuckCheck}`).describe();
    assert.equal((stuck.action.args as StuckCheckInput[])[0]!.thresholds.stuckRecordsThresholdHours, 3);
    assert.equal(stuck.spec.timezone, 'Africa/Gaborone');
    assert.equal(stuck.state.paused, false);
    const report = await paused.describe();
    assert.equal(report.state.paused, true);
    assert.equal(report.state.note, 'paused by ops during the migration');
    assert.deepEqual(report.action.args, [{ thresholds: { pendingRecordsLimit: 100, approvalRateMinimum: 50, processingTimeMaximumMinutes: 120, stuckRecordsThresholdHours: 3 }, timeZone: 'Africa/Gaborone' }]);
    assert.deepEqual(await ourSchedules(), [...ids].sort());
  });

  test('when a schedule is triggered, then its workflow runs on the worker and completes', async () => {
    const handle = system.client.schedule.getHandle(`${idPrefix}${OPS_SCHEDULE_IDS.stuckCheck}`);
    await handle.trigger();
    const described = await eventually(() => handle.describe(), (d) => d.info.recentActions.length > 0, 20_000, 'the triggered action');
    const started = described.info.recentActions[0]!.action.workflow;
    assert.ok(started.workflowId.startsWith(`${idPrefix}${OPS_SCHEDULE_IDS.stuckCheck}`), started.workflowId);
    const result = (await system.client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as StuckCheckResult;
    assert.deepEqual(result, { stuck: 0, pending: 0, breachedReviews: 0, raised: [], resolved: 0 });
  });
});
