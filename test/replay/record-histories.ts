// needs: postgres, temporal, workflow-bundle, fonts
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { kycVerification } from '../../workflows/kyc-verification';
import { type KycVerificationInput } from '../../workflows/kyc-verification.contract';
import { reviewWorkflowId } from '../../workflows/kyc-review.contract';
import packageJson from '../../package.json';
import { api, applicant, createUser, eventually, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide, sendEvent } from '../support/veriff';

// Records one history per branch of the verification workflow into
// test/fixtures/histories/<package version>/, for test/integration/replay.test.ts:
//   npm run record-histories
// A released version's folder is frozen: never re-record it to make a failing replay pass (that
// failure means running workflows of that release would break; ship the change behind patched()
// instead). Record a new folder when a new version is released.

const OUT = path.resolve(__dirname, '../fixtures/histories', packageJson.version);
// Binary protobuf: the exact bytes the server sent, independent of JSON conversion quirks.
const encode = (history: temporal.api.history.v1.IHistory) => temporal.api.history.v1.History.encode(history).finish();

// Replay needs each history's workflow id (child workflow ids are derived from it).
async function remember(name: string, workflowId: string) {
  const file = path.join(OUT, 'workflow-ids.json');
  const ids = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, string>;
  ids[name] = workflowId;
  await writeFile(file, `${JSON.stringify(Object.fromEntries(Object.entries(ids).sort()), null, 2)}\n`);
}
let system: TestSystem;

// The vendor asks for review and flags a fraud signal: approving takes four eyes.
const HIGH_RISK_REVIEW = { status: 'review', riskLabels: [{ label: 'document_integration_level_crosslinked_with_fraud', category: 'document' }] };

before(async () => {
  await mkdir(OUT, { recursive: true });
  system = await startTestSystem({ KYC_SESSION_TIMEOUT: '3', KYC_MAX_RETRIES: '1' });
});
after(async () => {
  await system?.stop();
});

async function startRecord(user: TestUser): Promise<string> {
  const r = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: applicant() });
  assert.equal(r.status, 201, r.text);
  return r.json.id as string;
}

async function save(name: string, recordId: string, expected: string) {
  const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
  const handle = system.client.workflow.getHandle(record.workflowId, record.workflowRunId);
  const result = await handle.result();
  assert.equal(result.status, expected);
  await writeFile(path.join(OUT, `${name}.history.bin`), encode(await handle.fetchHistory()));
  await remember(name, record.workflowId);
}

const waitStatus = (id: string, status: string) => eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === status, 30_000, status);

test('approved with events', async () => {
  const id = await startRecord(await createUser(system));
  await decide(system, id, { status: 'approved' });
  await save('approved', id, 'approved');
});

test('declined', async () => {
  const id = await startRecord(await createUser(system));
  await decide(system, id, { status: 'declined', reasonCode: 102 });
  await save('declined', id, 'rejected');
});

test('resubmission, retry, approved', async () => {
  const user = await createUser(system);
  const id = await startRecord(user);
  await decide(system, id, { status: 'resubmission_requested', reasonCode: 204 });
  await waitStatus(id, 'resubmission_required');
  assert.equal((await api(system, 'POST', `/api/kyc/records/${id}/retry/`, { token: user.token })).status, 200);
  await decide(system, id, { status: 'approved' });
  await save('resubmission-retry-approved', id, 'approved');
});

test('resubmission past the cap', async () => {
  const user = await createUser(system);
  const id = await startRecord(user);
  await decide(system, id, { status: 'resubmission_requested', reasonCode: 204 });
  await waitStatus(id, 'resubmission_required');
  assert.equal((await api(system, 'POST', `/api/kyc/records/${id}/retry/`, { token: user.token })).status, 200);
  await decide(system, id, { status: 'resubmission_requested', reasonCode: 204 });
  await save('retry-limit-rejected', id, 'rejected');
});

test('vendor expired', async () => {
  const id = await startRecord(await createUser(system));
  await decide(system, id, { status: 'expired', withEvents: false });
  await save('vendor-expired', id, 'expired');
});

test('session timeout', async () => {
  const id = await startRecord(await createUser(system));
  await sendEvent(system, id, 'started');
  await save('session-timeout', id, 'expired');
});

test('out of order: decision before events', async () => {
  const id = await startRecord(await createUser(system));
  await decide(system, id, { status: 'approved', withEvents: false });
  await save('decision-before-events', id, 'approved');
});

test('saga rollback', async () => {
  const user = await createUser(system);
  const id = await startRecord(user);
  await system.db.user.update({ where: { id: user.id }, data: { isActive: false } });
  await decide(system, id, { status: 'approved' });
  await save('saga-rollback', id, 'error');
});

test('manual review with four eyes, approved', async () => {
  const [first, second] = [await createUser(system, 'reviewer'), await createUser(system, 'reviewer')];
  const byId = new Map([first, second].map((u) => [u.id, u]));
  const id = await startRecord(await createUser(system));
  await decide(system, id, HIGH_RISK_REVIEW);
  for (let round = 0; round < 2; round++) {
    const task = await eventually(
      () => system.db.reviewTask.findFirst({ where: { kycRecordId: id, status: 'open' } }),
      (t) => t !== null && byId.has(t.assigneeId ?? ''),
      30_000,
      'an assigned review task',
    );
    const response = await api(system, 'POST', `/api/review/tasks/${task!.id}/decision/`, { token: byId.get(task!.assigneeId!)!.token, body: { decision: 'approve' } });
    assert.equal(response.status, 200, response.text);
  }
  await save('review-four-eyes-approved', id, 'approved');
  // The review itself is a child workflow with its own history.
  const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
  const child = system.client.workflow.getHandle(reviewWorkflowId(record.workflowId, 1));
  assert.equal((await child.result()).decision, 'approve');
  await writeFile(path.join(OUT, 'review-child-four-eyes.history.bin'), encode(await child.fetchHistory()));
  await remember('review-child-four-eyes', child.workflowId);
});

test('manual review by one reviewer, rejected', async () => {
  const reviewer = await createUser(system, 'senior_reviewer');
  const id = await startRecord(await createUser(system));
  await decide(system, id, { status: 'review' });
  const task = await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: id, status: 'open' } }), (t) => t !== null, 30_000, 'a review task');
  const response = await api(system, 'POST', `/api/review/tasks/${task!.id}/decision/`, { token: reviewer.token, body: { decision: 'reject', reason_code: 'data_mismatch' } });
  assert.equal(response.status, 200, response.text);
  await save('review-rejected', id, 'rejected');
});

test('record refused: the account no longer exists', async () => {
  const userId = randomUUID();
  const input: KycVerificationInput = {
    recordId: randomUUID(),
    userId,
    sealedApplication: await system.stores.personalData.sealJson(userId, SAMPLE_APPLICATION),
    country: SAMPLE_APPLICATION.country,
    settings: { sessionTimeoutSeconds: 60, maxRetries: 1, resubmissionWindowSeconds: 60, reviewSlaSeconds: 60, escalationSlaSeconds: 60 },
  };
  const handle = await system.client.workflow.start(kycVerification, { workflowId: `record-${input.recordId}`, taskQueue: system.config.TEMPORAL_TASK_QUEUE, args: [input] });
  assert.equal((await handle.result()).failure, 'RecordRefused');
  await writeFile(path.join(OUT, 'record-refused.history.bin'), encode(await handle.fetchHistory()));
  await remember('record-refused', handle.workflowId);
});
