// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// The manual-review process on the real Temporal server: risk routing, assignment, four-eyes,
// refusals, concurrency, and (with short SLAs) escalation and the ops alert.

interface Task {
  task_id: string;
  record_id: string;
  assignee_id: string | null;
  level: string;
}


// The vendor asks for review and flags a fraud signal: a high-risk case, approved by four eyes.
const HIGH_RISK_REVIEW = { status: 'review', riskLabels: [{ label: 'document_integration_level_crosslinked_with_fraud', category: 'document' }] };

async function startCase(system: TestSystem, body: Record<string, unknown> = {}, decision: Record<string, unknown> = HIGH_RISK_REVIEW) {
  const customer = await createUser(system);
  const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant(body) });
  assert.equal(started.status, 201, started.text);
  const recordId = started.json.id as string;
  await decide(system, recordId, decision as { status: string });
  return { customer, recordId };
}

async function openTaskOf(system: TestSystem, recordId: string, predicate: (t: { id: string; assigneeId: string | null; level: string }) => boolean = () => true) {
  return eventually(
    async () => (await system.db.reviewTask.findMany({ where: { kycRecordId: recordId, status: 'open' } })).find(predicate) ?? null,
    (t) => t !== null,
    20_000,
    `an open review task for ${recordId}`,
  ) as Promise<{ id: string; assigneeId: string | null; level: string; workflowId: string }>;
}

const decideTask = (system: TestSystem, who: TestUser, taskId: string, body: Record<string, unknown>) => api(system, 'POST', `/api/review/tasks/${taskId}/decision/`, { token: who.token, body });
const recordStatus = (system: TestSystem, id: string, status: string) =>
  eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === status, 20_000, `record ${id} to be ${status}`);

describe('manual review', () => {
  let system: TestSystem;
  const reviewers = new Map<string, TestUser>();
  let senior: TestUser;

  before(async () => {
    system = await startTestSystem();
    for (let i = 0; i < 3; i++) {
      const r = await createUser(system, 'reviewer');
      reviewers.set(r.id, r);
    }
    senior = await createUser(system, 'senior_reviewer');
  });
  after(async () => {
    await system?.stop();
  });

  const reviewer = (id: string | null) => {
    const r = id ? reviewers.get(id) : undefined;
    assert.ok(r, `task must be assigned to one of our reviewers, was ${id}`);
    return r;
  };
  const otherReviewer = (...not: (string | null)[]) => [...reviewers.values()].find((r) => !not.includes(r.id))!;

  test('when Veriff approves and the data match, then the risk score is low and no human is involved', async () => {
    const { recordId } = await startCase(system, {}, { status: 'approved' });
    const record = await recordStatus(system, recordId, 'approved');
    assert.equal(record.riskScore, 0);
    assert.equal(await system.db.reviewTask.count({ where: { kycRecordId: recordId } }), 0);
  });

  test('when the name Veriff read differs from the submitted one, then the case goes to review with the reason and score stored', async () => {
    const { recordId } = await startCase(system, {}, { status: 'approved', person: { firstName: 'Jonathan', lastName: 'Doe' } });
    const record = await recordStatus(system, recordId, 'under_review');
    assert.equal(record.riskScore, 40);
    assert.deepEqual((record.riskReasons as { code: string }[]).map((r) => r.code), ['NAME_MISMATCH']);
    const task = await openTaskOf(system, recordId);
    assert.ok(reviewers.has(task.assigneeId!), 'assigned to a reviewer');
  });

  test('when another customer already used the document number, then the duplicate is found through the keyed hash', async () => {
    const document_number = applicant().document_number;
    const first = await startCase(system, { document_number }, { status: 'declined', reasonCode: 102 });
    await recordStatus(system, first.recordId, 'rejected');
    const { recordId } = await startCase(system, { document_number }, { status: 'approved' });
    const record = await recordStatus(system, recordId, 'under_review');
    assert.ok((record.riskReasons as { code: string }[]).some((r) => r.code === 'DUPLICATE_DOCUMENT'));
  });

  test('when the first reviewer approves a high-risk case, then a different reviewer must approve too, and the same person approving twice is refused', async () => {
    const { customer, recordId } = await startCase(system);
    const first = await openTaskOf(system, recordId);
    const a = reviewer(first.assigneeId);
    const approved = await decideTask(system, a, first.id, { decision: 'approve', notes: 'document looks fine' });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.stage, 'second_approval');

    const second = await openTaskOf(system, recordId, (t) => t.id !== first.id);
    assert.notEqual(second.assigneeId, a.id);
    const twice = await decideTask(system, a, second.id, { decision: 'approve' });
    assert.equal(twice.status, 409);
    assert.match(String(twice.json.detail), /different reviewer/);
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } })).status, 'under_review');

    const b = reviewer(second.assigneeId);
    const final = await decideTask(system, b, second.id, { decision: 'approve' });
    assert.equal(final.status, 200, final.text);
    assert.equal(final.json.outcome, 'approve');
    await recordStatus(system, recordId, 'approved');
    const wallet = await eventually(() => system.db.wallet.findUniqueOrThrow({ where: { userId: customer.id } }), (w) => w.walletType === 'verified', 20_000, 'wallet upgrade');
    assert.equal(wallet.isKycVerified, true);

    const decisions = await system.db.kycEvent.findMany({ where: { kycRecordId: recordId, eventType: 'REVIEW_DECISION' }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(decisions.map((e) => [e.actorId, (e.data as { role: string; decision: string }).decision]), [[a.id, 'approve'], [b.id, 'approve']]);
    assert.equal((decisions[0]!.data as { role: string }).role, 'reviewer');
    const task = await system.db.reviewTask.findUniqueOrThrow({ where: { id: first.id } });
    assert.ok(task.notesEnc && !task.notesEnc.includes('document looks fine'), 'notes are stored encrypted');
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: task.kycRecordId } });
    assert.equal(await system.stores.personalData.open(record.userId, task.notesEnc), 'document looks fine', "sealed with the customer's key");
  });

  test('when the vendor asks for review without any fraud signal, then one reviewer approving closes the case (no four eyes)', async () => {
    const { recordId } = await startCase(system, {}, { status: 'review' });
    const record = await recordStatus(system, recordId, 'under_review');
    assert.deepEqual((record.riskReasons as { code: string }[]).map((r) => r.code), ['VENDOR_REVIEW']);
    const task = await openTaskOf(system, recordId);
    const approved = await decideTask(system, reviewer(task.assigneeId), task.id, { decision: 'approve' });
    assert.equal(approved.status, 200, approved.text);
    assert.deepEqual([approved.json.stage, approved.json.outcome], ['decided', 'approve']);
    await recordStatus(system, recordId, 'approved');
    assert.equal(await system.db.reviewTask.count({ where: { kycRecordId: recordId } }), 1);
  });

  test('when the second reviewer rejects, then the verification is rejected with the mapped reason', async () => {
    const { recordId } = await startCase(system);
    const first = await openTaskOf(system, recordId);
    assert.equal((await decideTask(system, reviewer(first.assigneeId), first.id, { decision: 'approve' })).status, 200);
    const second = await openTaskOf(system, recordId, (t) => t.id !== first.id);
    const rejected = await decideTask(system, reviewer(second.assigneeId), second.id, { decision: 'reject', reason_code: 'data_mismatch', notes: 'DOB differs' });
    assert.equal(rejected.status, 200, rejected.text);
    const record = await recordStatus(system, recordId, 'rejected');
    assert.equal(record.statusReason, 'The details you entered do not match your document.');
  });

  test('when a reviewer who is not the assignee decides, then it is refused with a clear error and nothing changes', async () => {
    const { recordId } = await startCase(system);
    const task = await openTaskOf(system, recordId);
    const intruder = otherReviewer(task.assigneeId);
    const refused = await decideTask(system, intruder, task.id, { decision: 'approve' });
    assert.equal(refused.status, 403);
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.match(String(refused.json.detail), /assigned to another reviewer/);
    assert.equal(await system.db.kycEvent.count({ where: { kycRecordId: recordId, eventType: 'REVIEW_DECISION' } }), 0);
    const still = await system.db.reviewTask.findUniqueOrThrow({ where: { id: task.id } });
    assert.equal(still.status, 'open');
    assert.equal(still.assigneeId, task.assigneeId);
  });

  test('when a reviewer rejects without a reason code, then the API answers 422 naming reason_code', async () => {
    const { recordId } = await startCase(system);
    const task = await openTaskOf(system, recordId);
    const response = await decideTask(system, reviewer(task.assigneeId), task.id, { decision: 'reject' });
    assert.equal(response.status, 422);
    assert.deepEqual((response.json.errors as { field: string }[]).map((e) => e.field), ['reason_code']);
  });

  test('when the assignee sends two decisions at once, then exactly one wins', async () => {
    const { recordId } = await startCase(system);
    const task = await openTaskOf(system, recordId);
    const who = reviewer(task.assigneeId);
    const results = await Promise.all([
      decideTask(system, who, task.id, { decision: 'reject', reason_code: 'fraud_suspected' }),
      decideTask(system, who, task.id, { decision: 'request_resubmission' }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], results.map((r) => r.text).join('\n'));
    assert.equal(await system.db.kycEvent.count({ where: { kycRecordId: recordId, eventType: 'REVIEW_DECISION' } }), 1);
  });

  test('when a reviewer asks for a resubmission, then the customer can retry with a new session', async () => {
    const { customer, recordId } = await startCase(system);
    const task = await openTaskOf(system, recordId);
    assert.equal((await decideTask(system, reviewer(task.assigneeId), task.id, { decision: 'request_resubmission' })).status, 200);
    await recordStatus(system, recordId, 'resubmission_required');
    const retried = await api(system, 'POST', `/api/kyc/records/${recordId}/retry/`, { token: customer.token });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.json.status, 'pending');
  });

  test('when a senior reviewer takes a case over, then they become the assignee and may decide; a customer may not see the queue', async () => {
    const { recordId } = await startCase(system);
    const task = await openTaskOf(system, recordId);
    const claimed = await api(system, 'POST', `/api/review/tasks/${task.id}/claim/`, { token: senior.token });
    assert.equal(claimed.status, 200, claimed.text);
    assert.equal(claimed.json.assignee_id, senior.id);
    const events = await system.db.kycEvent.findMany({ where: { kycRecordId: recordId, eventType: 'REVIEW_TAKEN_OVER' } });
    assert.equal(events.length, 1);
    const view = await api(system, 'GET', `/api/review/cases/${recordId}/`, { token: senior.token });
    assert.equal(view.status, 200);
    assert.equal((view.json.submitted as { first_name: string }).first_name, 'John');
    assert.ok(Array.isArray(view.json.timeline));
    const queue = await api(system, 'GET', '/api/review/queue/?view=mine', { token: senior.token });
    assert.ok((queue.json.tasks as Task[]).some((t) => t.task_id === task.id));

    const customer = await createUser(system);
    assert.equal((await api(system, 'GET', '/api/review/queue/', { token: customer.token })).status, 403);
  });
});

describe('review SLAs (short, configured)', () => {
  let system: TestSystem;
  let reviewerUser: TestUser;
  let senior: TestUser;

  before(async () => {
    system = await startTestSystem({ KYC_REVIEW_SLA: '2', KYC_ESCALATION_SLA: '2' });
    reviewerUser = await createUser(system, 'reviewer');
    senior = await createUser(system, 'senior_reviewer');
  });
  after(async () => {
    await system?.stop();
  });

  test('when nobody decides, then the case escalates to a senior reviewer, then ops are alerted, and a senior decision after escalation still counts', async () => {
    const { recordId } = await startCase(system);
    const task = await openTaskOf(system, recordId);
    assert.equal(task.assigneeId, reviewerUser.id);

    const escalated = await eventually(() => system.db.reviewTask.findUniqueOrThrow({ where: { id: task.id } }), (t) => t.level === 'senior', 20_000, 'escalation');
    assert.equal(escalated.assigneeId, senior.id);
    assert.ok(escalated.escalatedAt);
    const refused = await decideTask(system, reviewerUser, task.id, { decision: 'approve' });
    assert.equal(refused.status, 403, 'the original reviewer no longer decides an escalated case');

    await eventually(() => system.db.kycEvent.count({ where: { kycRecordId: recordId, eventType: 'REVIEW_SLA_BREACHED' } }), (n) => n === 1, 20_000, 'the ops alert');
    assert.ok(await system.db.outboxEvent.findFirst({ where: { kycRecordId: recordId, type: 'OPS_ALERT' } }));
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } })).status, 'under_review', 'still waiting after the alert');

    const decided = await decideTask(system, senior, task.id, { decision: 'reject', reason_code: 'document_invalid' });
    assert.equal(decided.status, 200, decided.text);
    await recordStatus(system, recordId, 'rejected');
    const types = (await system.db.kycEvent.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' } })).map((e) => e.eventType);
    assert.deepEqual(types.filter((t) => t.startsWith('REVIEW')), ['REVIEW_ASSIGNED', 'REVIEW_ESCALATED', 'REVIEW_SLA_BREACHED', 'REVIEW_DECISION', 'REVIEW_REJECTED']);
  });
});
