// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { retentionPolicies } from '../../domain/privacy';
import { createStores } from '../../store';
import { receiptSubject } from '../../store/webhook-receipts';
import { SubjectErased } from '../../store/personal-data';
import { privacyRetention } from '../../workflows/privacy';
import { insertCustomer, insertRecord, minutesAgo, runWorkflow } from '../support/ops';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { decide } from '../support/veriff';

// Retention runs by itself: each kind of data past its period goes, what is still in its period
// stays, reviewed (due-diligence) records are left to the AML rule, and the run reports counts to
// the ops alerts and the privacy audit trail. Vendor deletions queue durably behind the vendor's
// rate limit.

const DAY_MINUTES = 24 * 60;
const daysAgo = (days: number) => minutesAgo(days * DAY_MINUTES);

describe('the retention policy, applied by its workflow', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    await system?.stop();
  });

  test('when data is older than its retention period, then the run removes it (counting each kind), keeps what is younger or reviewed, and reports the counts', async () => {
    const { db } = system;
    const oldRejected = await insertRecord(system, { status: 'rejected', createdAt: daysAgo(400) });
    const youngRejected = await insertRecord(system, { status: 'rejected', createdAt: daysAgo(30) });
    const reviewedRejected = await insertRecord(system, { status: 'rejected', createdAt: daysAgo(400) });
    await db.reviewTask.create({ data: { kycRecordId: reviewedRejected.id, workflowId: reviewedRejected.workflowId, status: 'decided', decision: 'reject', reasonCode: 'data_mismatch', dueAt: daysAgo(399), decidedAt: daysAgo(399) } });
    const oldExpired = await insertRecord(system, { status: 'expired', createdAt: daysAgo(100) });
    const linked = await insertRecord(system, { status: 'approved', createdAt: daysAgo(10) });
    await db.kycRecord.update({ where: { id: linked.id }, data: { veriffSessionUrl: 'https://alchemy.veriff.com/v/old', updatedAt: daysAgo(10) } });
    const pending = await insertRecord(system, { status: 'pending', createdAt: daysAgo(500) });
    await db.securityEvent.create({ data: { type: 'auth_failure', ip: '203.0.113.7', method: 'POST', route: '/api/auth/login/', status: 401, createdAt: daysAgo(400) } });
    await db.securityEvent.create({ data: { type: 'auth_failure', ip: '203.0.113.8', method: 'POST', route: '/api/auth/login/', status: 401, createdAt: daysAgo(2) } });
    // Webhook bodies: one about a customer, one about no known session (sealed with a key of its own), one recent.
    const customerBody = await system.stores.receipts.storeRecognised({ kind: 'decision', sessionId: randomUUID(), attemptId: randomUUID(), statusOrAction: 'approved', dedupeKey: randomUUID(), rawBody: '{"a":1}', record: { id: linked.id, userId: linked.userId } });
    const orphanBody = await system.stores.receipts.storeUnreadable({ kind: 'unknown', rawBody: '{"who":"nobody we know"}' });
    const recentBody = await system.stores.receipts.storeUnreadable({ kind: 'unknown', rawBody: '{"recent":true}' });
    await db.webhookReceipt.updateMany({ where: { id: { in: [customerBody.id, orphanBody.id] } }, data: { receivedAt: daysAgo(91) } });
    const orphanSealed = (await db.webhookReceipt.findUniqueOrThrow({ where: { id: orphanBody.id } })).rawBodyEnc!;
    // A finished webhook delivery of 100 days ago, and one of last week.
    const subscription = await db.webhookSubscription.create({ data: { url: 'https://hooks.example.test/', eventTypes: ['KYC_VERIFIED'], secretEnc: system.cipher.encrypt('whsec_x') } });
    const deliveries = [];
    for (const age of [100, 7]) {
      const event = await db.outboxEvent.create({ data: { type: 'KYC_VERIFIED', source: 'test', data: {}, dedupeKey: randomUUID() } });
      deliveries.push(await db.webhookDelivery.create({ data: { subscriptionId: subscription.id, outboxEventId: event.id, eventType: 'KYC_VERIFIED', status: 'succeeded', completedAt: daysAgo(age), attemptLog: { create: [{ trigger: 'automatic', startedAt: daysAgo(age), latencyMs: 12, outcome: 'delivered', responseStatus: 200 }] } } }));
    }

    // Document images: uploads no application took up (one of 8 days, one of yesterday), and one of
    // the old rejected application (it goes with that application's personal data).
    const image = { contentType: 'image/jpeg', width: 800, height: 500 } as const;
    const upload = (ownerId: string, recordId: string | null) => system.stores.documents.saveUpload({ ownerId, recordId, attempt: recordId ? 1 : null, kind: 'front', content: randomBytes(2048), image, limits: { waiting: 100, perAttempt: 100 } });
    const staleUpload = (await upload(youngRejected.userId, null)).document;
    const freshUpload = (await upload(youngRejected.userId, null)).document;
    const rejectedImage = (await upload(oldRejected.userId, oldRejected.id)).document;
    const keptImage = (await upload(youngRejected.userId, youngRejected.id)).document;
    await db.document.update({ where: { id: staleUpload.id }, data: { createdAt: daysAgo(8) } });

    const result = await runWorkflow(system, privacyRetention, { policies: retentionPolicies(system.config), batch: 2 });
    assert.deepEqual(result.removed, {
      webhook_bodies: 2,
      rejected_applications: 1,
      expired_applications: 1,
      session_links: 1,
      security_log: 1,
      delivery_logs: 1,
      unattached_uploads: 1,
      aml_retained: 0,
      erasures_reapplied: 0,
    });

    const state = async (id: string) => db.kycRecord.findUniqueOrThrow({ where: { id } });
    const erased = await state(oldRejected.id);
    assert.ok(erased.piiErasedAt);
    assert.deepEqual([erased.firstNameEnc, erased.documentNumberEnc, erased.documentNumberHash, erased.status], [null, null, null, 'rejected'], 'the row and its status stay, its personal data goes');
    assert.ok((await state(oldExpired.id)).piiErasedAt);
    for (const kept of [youngRejected, reviewedRejected, pending]) assert.equal((await state(kept.id)).piiErasedAt, null, `${kept.id} is kept`);
    assert.equal((await state(linked.id)).veriffSessionUrl, null);
    const event = await db.kycEvent.findFirstOrThrow({ where: { kycRecordId: oldRejected.id, eventType: 'PERSONAL_DATA_ERASED' } });
    assert.deepEqual(event.data, { basis: 'gdpr_art_5_1_e' });
    assert.deepEqual((await db.securityEvent.findMany({ select: { ip: true } })).map((e) => e.ip), ['203.0.113.8']);
    const bodies = await db.webhookReceipt.findMany({ where: { id: { in: [customerBody.id, orphanBody.id, recentBody.id] } }, orderBy: { receivedAt: 'asc' } });
    assert.deepEqual(bodies.map((b) => [b.id, b.rawBodyEnc === null, b.bodyErasedAt !== null]), [[customerBody.id, true, true], [orphanBody.id, true, true], [recentBody.id, false, false]]);
    // Read as a process that never held the key would: the worker destroyed it in the key store.
    const fresh = createStores(system.db, { cipher: system.cipher, keyStore: system.keyStore, amlRetentionYears: 5 });
    await assert.rejects(fresh.personalData.open(receiptSubject(orphanBody.id), orphanSealed), SubjectErased, "the orphan body's own key is destroyed with it");
    assert.deepEqual((await db.webhookDelivery.findMany({ where: { subscriptionId: subscription.id } })).map((d) => d.id), [deliveries[1]!.id]);
    assert.equal(await db.webhookDeliveryAttempt.count({ where: { deliveryId: deliveries[0]!.id } }), 0);

    const documentsLeft = await db.document.findMany({ where: { id: { in: [staleUpload.id, freshUpload.id, rejectedImage.id, keptImage.id] } }, select: { id: true } });
    assert.deepEqual(new Set(documentsLeft.map((d) => d.id)), new Set([freshUpload.id, keptImage.id]), 'the stale upload and the erased application\'s image are gone');

    const alert = await db.opsAlert.findFirstOrThrow({ where: { kind: 'retention_run' } });
    assert.equal(alert.severity, 'info');
    assert.equal((alert.details as { total: number }).total, 8);
    const audit = await db.privacyAuditEvent.findFirstOrThrow({ where: { action: 'retention_run' } });
    assert.equal((audit.details as { rejected_applications: number }).rejected_applications, 1);

    const again = await runWorkflow(system, privacyRetention, { policies: retentionPolicies(system.config), batch: 2 });
    assert.ok(Object.values(again.removed).every((n) => n === 0), 'a second run finds nothing more');
  });

  test("when an admin lists the alerts of kind retention_run, then the run's report is there, as information", async () => {
    const admin = await createUser(system, 'admin');
    const alerts = await api(system, 'GET', '/api/admin/alerts/?kind=retention_run', { token: admin.token });
    assert.equal(alerts.status, 200, alerts.text);
    const items = alerts.json.items as { kind: string; severity: string; details: { removed: Record<string, number> } }[];
    assert.equal(items.length, 1);
    assert.deepEqual([items[0]!.kind, items[0]!.severity, items[0]!.details.removed.security_log], ['retention_run', 'info', 1]);
  });
});

describe('vendor deletions queue behind the vendor rate limit', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({ KYC_VENDOR_DELETIONS_PER_HOUR: '1' });
  });
  after(async () => {
    await system?.stop();
  });

  test('when an erasure has more vendor sessions than the hour allows, then it erases at once, deletes what the limit allows, and waits durably for the rest', async () => {
    // The limit is counted per clock hour: start well inside one, so the second deletion must wait for the next.
    const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
    if (toNextHour < 150_000) await new Promise((resolve) => setTimeout(resolve, toNextHour + 1_000));
    const customer = await createUser(system);
    const admin = await createUser(system, 'admin');
    const sessions: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant({ first_name: 'Ignatius' }) });
      assert.equal(started.status, 201, started.text);
      const recordId = started.json.id as string;
      await decide(system, recordId, { status: 'declined', reasonCode: 102 });
      const record = await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'rejected', 30_000, 'declined');
      await system.client.workflow.getHandle(record.workflowId, record.workflowRunId).result();
      sessions.push(record.veriffSessionId!);
    }
    const asked = await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: { user_id: customer.id } });
    assert.equal(asked.status, 202, asked.text);
    // Before the vendor, the workflow histories go, and the server deletes those in the background:
    // on a dev server busy with the other test files that took over a minute once.
    const request = await eventually(() => api(system, 'GET', `/api/privacy/erasure-requests/${asked.json.id as string}`, { token: admin.token }), (r) => (r.json.vendor_sessions as { deleted: number }).deleted === 1, 180_000, 'one vendor deletion');
    assert.equal(request.json.status, 'erased', 'personal data is erased; the vendor part waits');
    assert.deepEqual(request.json.vendor_sessions, { to_delete: 2, deleted: 1 });
    const gone = await Promise.all(sessions.map(async (id) => (await fetch(`${system.simulator.url}/control/sessions/${id}`)).status === 404));
    assert.deepEqual(gone.sort(), [false, true]);

    // The queue is the workflow: its pending deletion is retried when the hour's window opens.
    const child = system.client.workflow.getHandle(`${asked.json.workflow_id as string}-vendor`);
    const pendingActivity = await eventually(async () => (await child.describe()).raw.pendingActivities?.[0], (activity) => (activity?.attempt ?? 0) >= 2, 30_000, 'the deferred deletion');
    assert.equal(pendingActivity!.lastFailure?.applicationFailureInfo?.type, 'VendorDeletionDeferred');
    assert.ok(Number(String(pendingActivity!.nextAttemptScheduleTime?.seconds ?? 0)) * 1000 > Date.now() + 60_000, 'retried when the window opens, not before');
    await system.client.workflow.getHandle(asked.json.workflow_id as string).terminate('test over');
    await child.terminate('test over').catch(() => undefined);
  });

  test('when a customer whose verification is under review asks for erasure, then the review is cancelled with it: no task stays in a queue and the record is withdrawn', async () => {
    await createUser(system, 'reviewer');
    const customer = await createUser(system);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(started.status, 201, started.text);
    const recordId = started.json.id as string;
    await decide(system, recordId, { status: 'review' });
    await eventually(() => system.db.reviewTask.count({ where: { kycRecordId: recordId, status: 'open' } }), (n) => n === 1, 30_000, 'the open review task');
    const asked = await api(system, 'POST', '/api/privacy/erasure-requests', { token: customer.token, body: {} });
    assert.equal(asked.status, 202, asked.text);
    assert.deepEqual((asked.json.retained as unknown[]).length, 0, 'nobody decided it: nothing is kept');
    const record = await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.piiErasedAt !== null, 60_000, 'the erasure');
    assert.equal(record.status, 'expired');
    assert.deepEqual((await system.db.reviewTask.findMany({ where: { kycRecordId: recordId } })).map((t) => t.status), ['cancelled']);
    const types = (await system.db.kycEvent.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' } })).map((e) => e.eventType);
    assert.ok(types.indexOf('VERIFICATION_WITHDRAWN') < types.indexOf('PERSONAL_DATA_ERASED'), types.join());
  });

  test('when the customer the admin names is staff or unknown, then the request is refused with a clear error', async () => {
    const admin = await createUser(system, 'admin');
    const reviewer = await createUser(system, 'reviewer');
    const staff = await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: { user_id: reviewer.id } });
    assert.equal(staff.status, 422);
    assert.equal((staff.json.errors as { field: string; rule: string }[])[0]?.rule, 'customer_account');
    assert.equal((await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: { user_id: randomUUID() } })).status, 404);
    const customer = await createUser(system);
    const foreign = await api(system, 'POST', '/api/privacy/erasure-requests', { token: customer.token, body: { user_id: await insertCustomer(system) } });
    assert.equal(foreign.status, 422);
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: customer.token })).status, 200, 'a refused request closes nothing');
    const bad = await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: { user_id: 'not-a-uuid', extra: randomBytes(2).toString('hex') } });
    assert.equal(bad.status, 422);
  });
});
