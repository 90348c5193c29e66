// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { startSessionUpdate, stateQuery, type KycVerificationInput } from '../../workflows/kyc-verification.contract';
import { kycVerification } from '../../workflows/kyc-verification';
import { api, applicant, createUser, eventually, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide, sendEvent } from '../support/veriff';

// Every branch of the verification flow on the real Temporal dev server.

const start = (system: TestSystem, user: TestUser, body: unknown = applicant()) => api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body });
const statusOf = (system: TestSystem, user: TestUser, id: string) => api(system, 'GET', `/api/kyc/records/${id}/status/`, { token: user.token });
const untilStatus = (system: TestSystem, user: TestUser, id: string, status: string) =>
  eventually(() => statusOf(system, user, id), (r) => r.json.status === status, 20_000, `record ${id} to be ${status}`);
const eventTypes = async (system: TestSystem, id: string) =>
  (await system.db.kycEvent.findMany({ where: { kycRecordId: id }, orderBy: { createdAt: 'asc' } })).map((e) => e.eventType);
// The verification's own steps: the vendor's images are kept by a workflow of their own once a
// decision came (DOCUMENT_FETCHED), in parallel, so their place among the steps varies.
const verificationSteps = async (system: TestSystem, id: string) => (await eventTypes(system, id)).filter((t) => t !== 'DOCUMENT_FETCHED');

// The event types the notification subscriber (KYC_NOTIFY_URL) received for one record.
const notifiedTypes = async (system: TestSystem, id: string) => system.notifications!.received.filter((r) => r.event.subject === id).map((r) => r.event.type);

async function startedRecord(system: TestSystem, user: TestUser): Promise<string> {
  const response = await start(system, user);
  assert.equal(response.status, 201, response.text);
  return response.json.id as string;
}

describe('verification workflow branches', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ KYC_MAX_RETRIES: '2' }, { notifications: true });
  });
  after(async () => {
    await system?.stop();
  });

  describe('validation', () => {
    test('when the payload breaks the rules, then the API answers 422 problem+json naming each field and rule, and nothing is created', async () => {
      const user = await createUser(system);
      const response = await start(system, user, applicant({ date_of_birth: '2015-05-05', country: 'XX', document_number: '12' }));
      assert.equal(response.status, 422);
      assert.match(response.contentType, /^application\/problem\+json/);
      const errors = (response.json.errors as { field: string; rule: string }[]).map((e) => `${e.field}:${e.rule}`).sort();
      assert.ok(errors.includes('date_of_birth:min_age'), errors.join());
      assert.ok(errors.includes('country:iso_country'), errors.join());
      assert.ok(errors.some((e) => e.startsWith('document_number:')), errors.join());
      assert.equal(await system.db.kycRecord.count({ where: { userId: user.id } }), 0);
      await assert.rejects(system.client.workflow.getHandle(`kyc-${user.id}`).describe(), WorkflowNotFoundError);
    });

    test('when the customer account no longer exists, then the workflow fails fast with RecordRefused in error and creates no record', async () => {
      // A foreign-key failure is not transient: it must not be retried for ever (the client would wait for an answer that never comes).
      const userId = randomUUID();
      const input: KycVerificationInput = {
        recordId: randomUUID(),
        userId,
        sealedApplication: await system.stores.personalData.sealJson(userId, SAMPLE_APPLICATION),
        country: SAMPLE_APPLICATION.country,
        settings: { sessionTimeoutSeconds: 60, maxRetries: 1, resubmissionWindowSeconds: 60, reviewSlaSeconds: 60, escalationSlaSeconds: 60 },
      };
      // As the API starts it: the update rides with the start, so it is there before the first step fails.
      const startWorkflowOperation = new WithStartWorkflowOperation(kycVerification, { workflowId: `direct-${input.recordId}`, taskQueue: system.config.TEMPORAL_TASK_QUEUE, args: [input], workflowIdConflictPolicy: 'FAIL' });
      const snapshot = await system.client.workflow.executeUpdateWithStart(startSessionUpdate, { startWorkflowOperation });
      assert.deepEqual([snapshot.status, snapshot.failure, snapshot.sessionUrl], ['error', 'RecordRefused', null]);
      const handle = await startWorkflowOperation.workflowHandle();
      const result = await handle.result();
      assert.deepEqual([result.status, result.failure], ['error', 'RecordRefused']);
      assert.equal(await system.db.kycRecord.count({ where: { id: input.recordId } }), 0);
      // createKycRecord runs as a local activity: its marker records the attempt that produced the result.
      const history = await handle.fetchHistory();
      const markers = (history.events ?? []).flatMap((e) => {
        const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
        return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string; attempt: number }] : [];
      });
      assert.deepEqual(markers.filter((m) => m.activity_type === 'createKycRecord').map((m) => m.attempt), [1], 'createKycRecord ran once, not retried');
    });
  });

  describe('start', () => {
    test('when a customer starts twice while the first is active, then both answers carry the same record and session URL', async () => {
      const user = await createUser(system);
      const [first, second] = await Promise.all([start(system, user), start(system, user)]);
      assert.deepEqual([first.status, second.status].sort(), [200, 201]);
      assert.equal(first.json.id, second.json.id);
      assert.equal(first.json.session_url, second.json.session_url);
      const third = await start(system, user);
      assert.equal(third.status, 200);
      assert.equal(third.json.id, first.json.id);
      assert.equal(await system.db.kycRecord.count({ where: { userId: user.id } }), 1);
    });

    test('when an already verified customer starts again, then the API answers 409', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      await decide(system, id, { status: 'approved' });
      await untilStatus(system, user, id, 'approved');
      const again = await start(system, user);
      assert.equal(again.status, 409);
      assert.equal(again.json.record_id, id);
    });
  });

  describe('vendor events and decisions', () => {
    test('when Veriff reports started then submitted, then the status moves to in_progress then submitted', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      await sendEvent(system, id, 'started');
      await untilStatus(system, user, id, 'in_progress');
      await sendEvent(system, id, 'submitted');
      const submitted = await untilStatus(system, user, id, 'submitted');
      assert.ok(submitted.json.reason && submitted.json.next_action);
    });

    test('when Veriff declines with reason code 104, then the record is rejected with a customer-facing reason and next step, and a notification goes out', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      await decide(system, id, { status: 'declined', reasonCode: 104 });
      const rejected = await untilStatus(system, user, id, 'rejected');
      assert.equal(rejected.json.reason, 'The name you entered does not match the document.');
      assert.match(String(rejected.json.next_action), /new verification/);
      const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
      assert.equal(record.vendorReasonCode, 104);
      await eventually(async () => notifiedTypes(system, id), (t) => t.includes('KYC_REJECTED'), 10_000, 'the rejection notification');
      const wallet = await system.db.wallet.findUniqueOrThrow({ where: { userId: user.id } });
      assert.equal(wallet.walletType, 'basic');
    });

    test('when Veriff asks for a resubmission, then the customer retries with a new session, and past KYC_MAX_RETRIES the verification is rejected', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      const urls = new Set<string>();
      for (let attempt = 1; attempt <= 2; attempt++) {
        await decide(system, id, { status: 'resubmission_requested', reasonCode: 204 });
        const asked = await untilStatus(system, user, id, 'resubmission_required');
        assert.equal(asked.json.reason, 'The images were not sharp enough.');
        const retried = await api(system, 'POST', `/api/kyc/records/${id}/retry/`, { token: user.token });
        assert.equal(retried.status, 200, retried.text);
        assert.equal(retried.json.status, 'pending');
        urls.add(String(retried.json.session_url));
        const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
        assert.equal(record.attempt, attempt + 1);
      }
      assert.equal(urls.size, 2, 'each retry opens a new session');
      const notRetryable = await api(system, 'POST', `/api/kyc/records/${id}/retry/`, { token: user.token });
      assert.equal(notRetryable.status, 409);

      await decide(system, id, { status: 'resubmission_requested', reasonCode: 204 });
      const rejected = await untilStatus(system, user, id, 'rejected');
      assert.match(String(rejected.json.reason), /after 3 attempts/);
      const types = await eventTypes(system, id);
      assert.equal(types.filter((t) => t === 'RETRY_STARTED').length, 2);
      assert.ok(types.includes('RETRY_LIMIT_REACHED'));
      const notified = await eventually(async () => notifiedTypes(system, id), (t) => t.length >= 3, 10_000, 'notifications');
      assert.ok(notified.filter((t) => t === 'KYC_RESUBMISSION_REQUESTED').length >= 2);
    });

    test('when Veriff sends review, then the record is under_review with a reason and next action', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      await decide(system, id, { status: 'review' });
      const review = await untilStatus(system, user, id, 'under_review');
      assert.match(String(review.json.reason), /review/i);
      assert.ok(review.json.next_action);
    });

    for (const status of ['expired', 'abandoned'] as const) {
      test(`when Veriff reports the session ${status}, then the verification is expired`, async () => {
        const user = await createUser(system);
        const id = await startedRecord(system, user);
        await decide(system, id, { status });
        const expired = await untilStatus(system, user, id, 'expired');
        assert.match(String(expired.json.next_action), /new verification/);
      });
    }
  });

  describe('saga', () => {
    test('when the wallet upgrade fails for good after approval, then the approval is rolled back and KYC_ROLLBACK recorded', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      await system.db.user.update({ where: { id: user.id }, data: { isActive: false } });
      await decide(system, id, { status: 'approved' });
      const final = await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === 'error', 20_000, 'the rollback');
      assert.match(final.statusReason ?? '', /rolled back/);
      assert.equal(final.verifiedAt, null);
      const types = await verificationSteps(system, id);
      assert.deepEqual(types.slice(-2), ['KYC_APPROVED', 'KYC_ROLLBACK']);
      const wallet = await system.db.wallet.findUniqueOrThrow({ where: { userId: user.id } });
      assert.equal(wallet.walletType, 'basic');
      assert.equal(wallet.isKycVerified, false);
      const outbox = await system.db.outboxEvent.findMany({ where: { kycRecordId: id }, orderBy: { createdAt: 'asc' } });
      assert.ok(outbox.some((e) => e.type === 'KYC_ROLLBACK'));
    });
  });

  describe('observability', () => {
    test('when a verification is approved, then its search attributes and query show status and country, and no PII', async () => {
      const user = await createUser(system);
      const id = await startedRecord(system, user);
      await decide(system, id, { status: 'approved' });
      await untilStatus(system, user, id, 'approved');
      const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
      const handle = system.client.workflow.getHandle(record.workflowId, record.workflowRunId);
      const state = await handle.query(stateQuery);
      assert.equal(state.status, 'approved');
      assert.equal(state.recordId, id);
      const description = await eventually(() => handle.describe(), (d) => d.typedSearchAttributes.getAll().some((p) => p.key.name === 'KycStatus' && p.value === 'approved'), 10_000, 'search attributes');
      const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
      assert.equal(attributes.KycStatus, 'approved');
      assert.equal(attributes.KycCountry, 'BW');
      assert.equal(attributes.KycRecordId, id);
      const serialized = JSON.stringify({ attributes, memo: description.memo ?? {} });
      for (const pii of [SAMPLE_APPLICATION.first_name, SAMPLE_APPLICATION.last_name, SAMPLE_APPLICATION.document_number, SAMPLE_APPLICATION.date_of_birth, SAMPLE_APPLICATION.address_line_1]) {
        assert.ok(!serialized.includes(pii), `${pii} found in search attributes or memo`);
      }
    });
  });
});
