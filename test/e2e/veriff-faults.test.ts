// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, applicant, createUser, startTestSystem, type TestSystem } from '../support/system';

// Veriff session creation under faults: transient ones are retried with backoff, a 4xx stops at
// once, and a verification that cannot proceed says so in its status.

async function injectFaults(system: TestSystem, faults: { httpStatus: number; code?: number }[]) {
  const response = await fetch(`${system.simulator.url}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ createSession: faults }) });
  assert.equal(response.status, 200);
}

describe('Veriff session creation faults', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    await system?.stop();
  });

  test('when Veriff answers 503 twice, then the session is created on a later attempt and the customer gets the URL', async () => {
    const user = await createUser(system);
    await injectFaults(system, [{ httpStatus: 503 }, { httpStatus: 503 }]);
    const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: applicant() });
    assert.equal(response.status, 201, response.text);
    assert.ok(String(response.json.session_url).includes('/v/'));
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: response.json.id as string } });
    const history = await system.client.workflow.getHandle(record.workflowId, record.workflowRunId).fetchHistory();
    const opened = history.events!.find((e) => e.activityTaskStartedEventAttributes && history.events!.some((s) => s.activityTaskScheduledEventAttributes?.activityType?.name === 'openVendorSession' && Number(s.eventId) === Number(e.activityTaskStartedEventAttributes!.scheduledEventId)));
    assert.equal(opened?.activityTaskStartedEventAttributes?.attempt, 3);
  });

  test('when Veriff refuses the request with a 4xx, then it is not retried and the verification ends in error with its reason visible', async () => {
    const user = await createUser(system);
    await injectFaults(system, [{ httpStatus: 400, code: 1104 }, { httpStatus: 503 }]);
    const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: applicant() });
    assert.equal(response.status, 503);
    assert.match(response.contentType, /^application\/problem\+json/);
    assert.match(String(response.json.detail), /could not open an identity-verification session/);
    const id = response.json.record_id as string;
    const status = await api(system, 'GET', `/api/kyc/records/${id}/status/`, { token: user.token });
    assert.equal(status.json.status, 'error');
    assert.match(String(status.json.reason), /could not open/);
    assert.ok(status.json.next_action);
    const failed = await system.db.kycEvent.findFirstOrThrow({ where: { kycRecordId: id, eventType: 'SESSION_FAILED' } });
    assert.deepEqual(failed.data, { failure: 'VendorRequestRejected' });
    // The second injected fault is still queued: the 400 was not retried.
    const again = await fetch(`${system.simulator.url}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ createSession: [] }) });
    assert.equal(again.status, 200);
    assert.equal(system.simulator.store.createSessionFaults.length, 0);
  });
});
