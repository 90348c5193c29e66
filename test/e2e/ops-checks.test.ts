// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { alertThresholds, type AlertThresholds } from '../../domain/alerts';
import { opsDailyReport, opsExpiredSessionCleanup, opsStuckVerificationCheck } from '../../workflows/ops-checks';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { insertRecord, insertSessionEvent, minutesAgo, runWorkflow } from '../support/ops';

// The scheduled ops workflows, run directly on the real Temporal server (not waiting for their
// schedules) against real PostgreSQL, over records dated as the checks need.

const alertsOf = (system: TestSystem, kind: string) => system.db.opsAlert.findMany({ where: { kind }, orderBy: { createdAt: 'asc' } });

describe('stuck-verification check', () => {
  let system: TestSystem;
  let thresholds: AlertThresholds;
  before(async () => {
    system = await startTestSystem();
    thresholds = alertThresholds(system.config);
  });
  after(async () => {
    await system?.stop();
  });

  test('when verifications wait longer than the threshold and an escalated review is overdue, then one alert each is raised, updated on the next run and resolved once fixed', async () => {
    assert.equal(thresholds.stuckRecordsThresholdHours, 2);
    const old = await insertRecord(system, { status: 'pending', createdAt: minutesAgo(180) });
    const oldStarted = await insertRecord(system, { status: 'in_progress', createdAt: minutesAgo(150), updatedAt: minutesAgo(100) });
    const fresh = await insertRecord(system, { status: 'pending', createdAt: minutesAgo(10) });
    await insertRecord(system, { status: 'approved', createdAt: minutesAgo(300), verifiedAt: minutesAgo(290) });
    const reviewed = await insertRecord(system, { status: 'under_review', createdAt: minutesAgo(3 * 24 * 60) });
    const task = await system.db.reviewTask.create({
      data: { kycRecordId: reviewed.id, workflowId: `${reviewed.workflowId}-review-1`, level: 'senior', dueAt: minutesAgo(30), escalatedAt: minutesAgo(24 * 60) },
    });

    const first = await runWorkflow(system, opsStuckVerificationCheck, { thresholds });
    assert.equal(first.stuck, 2);
    assert.equal(first.pending, 3);
    assert.equal(first.breachedReviews, 1);
    assert.deepEqual([...first.raised].sort(), ['review_sla_breached:' + task.id, 'stuck_verifications'].sort());

    const [stuckAlert] = await alertsOf(system, 'stuck_verifications');
    assert.ok(stuckAlert);
    assert.equal(stuckAlert.severity, 'warning');
    const details = stuckAlert.details as { count: number; recordIds: string[]; oldestMinutes: number; thresholdHours: number };
    assert.equal(details.count, 2);
    assert.deepEqual(details.recordIds, [old.id, oldStarted.id]);
    assert.ok(details.oldestMinutes >= 179, JSON.stringify(details));
    assert.ok(!details.recordIds.includes(fresh.id));
    const [slaAlert] = await alertsOf(system, 'review_sla_breached');
    assert.equal(slaAlert?.severity, 'critical');
    assert.equal((slaAlert?.details as { recordId: string }).recordId, reviewed.id);
    // Alert details hold ids and counts, nothing of the applicant.
    assert.doesNotMatch(JSON.stringify([stuckAlert.details, slaAlert?.details]), /John|Doe|1990-01-01|Main St/);

    const second = await runWorkflow(system, opsStuckVerificationCheck, { thresholds });
    assert.deepEqual(second.raised, [], 'the same conditions update their alerts');
    const again = await alertsOf(system, 'stuck_verifications');
    assert.equal(again.length, 1);
    assert.equal(again[0]!.id, stuckAlert.id);
    assert.equal(again[0]!.occurrences, 2);
    assert.ok(again[0]!.lastSeenAt > stuckAlert.lastSeenAt);

    await system.db.kycRecord.updateMany({ where: { id: { in: [old.id, oldStarted.id] } }, data: { status: 'expired' } });
    await system.db.reviewTask.update({ where: { id: task.id }, data: { status: 'decided', decision: 'approve', decidedAt: new Date() } });
    const third = await runWorkflow(system, opsStuckVerificationCheck, { thresholds });
    assert.equal(third.stuck, 0);
    assert.equal(third.resolved, 2);
    const resolved = await system.db.opsAlert.findMany({ where: { id: { in: [stuckAlert.id, slaAlert!.id] } } });
    assert.ok(resolved.every((a) => a.resolvedAt !== null && a.conditionKey === null), JSON.stringify(resolved));

    // The condition coming back is a new alert.
    await insertRecord(system, { status: 'pending', createdAt: minutesAgo(200) });
    const fourth = await runWorkflow(system, opsStuckVerificationCheck, { thresholds });
    assert.deepEqual(fourth.raised, ['stuck_verifications']);
    assert.equal((await alertsOf(system, 'stuck_verifications')).length, 2);
  });

  test('when more verifications wait for the customer than pending_records_limit, then a pending backlog alert is raised', async () => {
    const result = await runWorkflow(system, opsStuckVerificationCheck, { thresholds: { ...thresholds, pendingRecordsLimit: 1 } });
    assert.ok(result.pending > 1);
    assert.ok(result.raised.includes('pending_backlog'), JSON.stringify(result));
    const [backlog] = await alertsOf(system, 'pending_backlog');
    assert.deepEqual(backlog?.details, { count: result.pending, limit: 1 });
    const relaxed = await runWorkflow(system, opsStuckVerificationCheck, { thresholds });
    assert.ok(relaxed.resolved >= 1);
    assert.notEqual((await system.db.opsAlert.findUniqueOrThrow({ where: { id: backlog!.id } })).resolvedAt, null);
  });
});

describe('expired-session cleanup', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    await system?.stop();
  });

  test('when a session is past the timeout and its workflow has stopped, then the verification is expired with an event; running ones and fresh ones are left alone', async () => {
    // A real verification whose workflow was terminated by hand: the record stays pending.
    const customer = await createUser(system);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(started.status, 201, started.text);
    const terminatedId = started.json.id as string;
    const terminated = await system.db.kycRecord.findUniqueOrThrow({ where: { id: terminatedId } });
    await system.client.workflow.getHandle(terminated.workflowId, terminated.workflowRunId).terminate('test: an operator killed it');
    // A real verification whose workflow still runs.
    const other = await createUser(system);
    const running = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: other.token, body: applicant() });
    assert.equal(running.status, 201, running.text);
    const runningId = running.json.id as string;
    // Records whose workflow never existed (or is past retention): one with an old session, one with a fresh session.
    const orphan = await insertRecord(system, { status: 'in_progress', createdAt: minutesAgo(300) });
    await insertSessionEvent(system, orphan.id, minutesAgo(290));
    const freshSession = await insertRecord(system, { status: 'pending', createdAt: minutesAgo(300) });
    await insertSessionEvent(system, freshSession.id, minutesAgo(5));

    // With the one-hour timeout only the orphan's session (290 minutes) is past it.
    const hourly = await runWorkflow(system, opsExpiredSessionCleanup, { sessionTimeoutSeconds: 3600, stuckReceiptHours: 2 });
    assert.deepEqual(hourly.expiredRecordIds, [orphan.id]);
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: freshSession.id } })).status, 'pending');
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: terminatedId } })).status, 'pending');

    // With a one-second timeout every session is past it: the stopped workflow's record expires,
    // the running one is left to its own timer.
    await new Promise((r) => setTimeout(r, 1_100));
    const result = await runWorkflow(system, opsExpiredSessionCleanup, { sessionTimeoutSeconds: 1, stuckReceiptHours: 2 });
    assert.deepEqual([...result.expiredRecordIds].sort(), [terminatedId, freshSession.id].sort());
    assert.equal(result.stillRunning, 1);

    for (const [id, workflowStatus] of [[terminatedId, 'TERMINATED'], [orphan.id, 'NOT_FOUND']] as const) {
      const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
      assert.equal(record.status, 'expired');
      assert.equal(record.statusReason, 'The verification session expired before it was completed.');
      const events = await system.db.kycEvent.findMany({ where: { kycRecordId: id, eventType: 'SESSION_EXPIRED_CLEANUP' } });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.toStatus, 'expired');
      assert.equal((events[0]!.data as { workflowStatus: string }).workflowStatus, workflowStatus);
    }
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: runningId } })).status, 'pending');
    const [abandoned] = await alertsOf(system, 'abandoned_verifications_expired');
    assert.equal(abandoned?.occurrences, 2, "the day's alert is updated by the second run");
    assert.deepEqual([...(abandoned?.details as { recordIds: string[] }).recordIds].sort(), [terminatedId, freshSession.id].sort());

    // The customer whose workflow died may start again now.
    const retried = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(retried.status, 201, retried.text);
    assert.notEqual(retried.json.id, terminatedId);

    const rerun = await runWorkflow(system, opsExpiredSessionCleanup, { sessionTimeoutSeconds: 1, stuckReceiptHours: 2 });
    assert.deepEqual(rerun.expiredRecordIds, [], 'a second run finds nothing more to expire');
    assert.equal(await system.db.kycEvent.count({ where: { eventType: 'SESSION_EXPIRED_CLEANUP' } }), 3);
  });

  test('when a webhook receipt was never handed to its verification, then the cleanup flags it, and resolves the flag once it is processed', async () => {
    const stuck = await system.db.webhookReceipt.create({
      data: { kind: 'decision', sessionId: randomUUID(), attemptId: randomUUID(), statusOrAction: 'approved', dedupeKey: randomUUID(), rawBodyEnc: system.cipher.encrypt('{}'), signatureVerdict: 'valid', receivedAt: minutesAgo(180) },
    });
    await system.db.webhookReceipt.create({
      data: { kind: 'decision', sessionId: randomUUID(), attemptId: randomUUID(), statusOrAction: 'approved', dedupeKey: randomUUID(), rawBodyEnc: system.cipher.encrypt('{}'), signatureVerdict: 'valid', receivedAt: minutesAgo(5) },
    });
    const result = await runWorkflow(system, opsExpiredSessionCleanup, { sessionTimeoutSeconds: 3600, stuckReceiptHours: 2 });
    assert.equal(result.stuckReceipts, 1);
    assert.ok(result.raised.includes('stuck_webhook_receipts'));
    const [flag] = await alertsOf(system, 'stuck_webhook_receipts');
    assert.equal(flag?.severity, 'critical');
    assert.deepEqual((flag?.details as { receiptIds: string[] }).receiptIds, [stuck.id]);

    await system.db.webhookReceipt.update({ where: { id: stuck.id }, data: { outcome: 'processed', processedAt: new Date() } });
    await runWorkflow(system, opsExpiredSessionCleanup, { sessionTimeoutSeconds: 3600, stuckReceiptHours: 2 });
    assert.notEqual((await system.db.opsAlert.findUniqueOrThrow({ where: { id: flag!.id } })).resolvedAt, null);
  });
});

describe('daily KYC report', () => {
  let system: TestSystem;
  let thresholds: AlertThresholds;
  before(async () => {
    system = await startTestSystem();
    thresholds = alertThresholds(system.config);
  });
  after(async () => {
    await system?.stop();
  });

  const at = (day: string, time: string) => new Date(`${day}T${time}Z`);

  test("when a day had a low approval rate and slow approvals, then its figures are stored and both thresholds alert; running it again rewrites the same report", async () => {
    const day = '2026-03-10';
    // 1 approved in 150 minutes, 3 rejected, 1 pending, 1 under review: approval rate 25 %.
    await insertRecord(system, { status: 'approved', country: 'BW', createdAt: at(day, '09:00:00'), verifiedAt: at(day, '11:30:00') });
    for (const time of ['10:00:00', '12:00:00', '23:10:00']) await insertRecord(system, { status: 'rejected', country: 'ZA', createdAt: at(day, time) });
    await insertRecord(system, { status: 'pending', createdAt: at(day, '15:00:00') });
    await insertRecord(system, { status: 'under_review', createdAt: at(day, '16:00:00') });
    // The day before and the day after do not count.
    await insertRecord(system, { status: 'approved', createdAt: at('2026-03-09', '23:59:00'), verifiedAt: at('2026-03-10', '00:05:00') });
    await insertRecord(system, { status: 'rejected', createdAt: at('2026-03-11', '00:00:01') });
    // Two customers with the same passport that day.
    await insertRecord(system, { status: 'rejected', createdAt: at(day, '13:00:00'), documentNumber: 'BP000000042' });
    await insertRecord(system, { status: 'pending', createdAt: at('2026-02-01', '13:00:00'), documentNumber: 'BP000000042' });

    const result = await runWorkflow(system, opsDailyReport, { thresholds, timeZone: 'UTC', reportDate: day });
    assert.deepEqual(result.figures, {
      date: day,
      timeZone: 'UTC',
      total: 7,
      approved: 1,
      rejected: 4,
      pending: 1,
      inProgress: 0,
      underReview: 1,
      expired: 0,
      other: 0,
      approvalRate: 20,
      avgProcessingMinutes: 150,
      duplicateDocumentGroups: 1,
      retentionRemoved: {},
    });
    assert.deepEqual(result.alerts, [`low_approval_rate:${day}`, `slow_processing:${day}`]);
    const stored = await system.db.opsDailyReport.findMany();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.reportDate.toISOString().slice(0, 10), day);
    assert.deepEqual((stored[0]!.figures as { alerts: string[] }).alerts, result.alerts);
    const low = await alertsOf(system, 'low_approval_rate');
    assert.deepEqual(low[0]?.details, { day, approvalRate: 20, minimum: 50, approved: 1, rejected: 4 });

    await runWorkflow(system, opsDailyReport, { thresholds, timeZone: 'UTC', reportDate: day });
    assert.equal(await system.db.opsDailyReport.count(), 1);
    assert.equal((await alertsOf(system, 'low_approval_rate')).length, 1);
    assert.equal((await alertsOf(system, 'slow_processing')).length, 1);
  });

  test('when the ops time zone is ahead of UTC, then the day runs from local midnight to local midnight', async () => {
    // 23:10 UTC on the 10th is 01:10 on the 11th in Gaborone (UTC+2).
    const result = await runWorkflow(system, opsDailyReport, { thresholds, timeZone: 'Africa/Gaborone', reportDate: '2026-03-11' });
    assert.equal(result.figures.total, 2, JSON.stringify(result.figures));
    assert.equal(result.figures.rejected, 2);
  });

  test('when no date is given, then the report covers yesterday in the time zone', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await insertRecord(system, { status: 'approved', createdAt: new Date(`${yesterday}T12:00:00Z`), verifiedAt: new Date(`${yesterday}T12:20:00Z`) });
    const result = await eventually(
      () => runWorkflow(system, opsDailyReport, { thresholds, timeZone: 'UTC' }),
      // Around midnight UTC the run may start on the next day: then it reports today's "yesterday".
      (r) => r.figures.date === yesterday || r.figures.date === new Date().toISOString().slice(0, 10),
      10_000,
      'a report',
    );
    if (result.figures.date === yesterday) {
      assert.equal(result.figures.approved, 1);
      assert.equal(result.figures.avgProcessingMinutes, 20);
      assert.equal(result.figures.approvalRate, 100);
      assert.deepEqual(result.alerts, []);
    }
  });
});
