import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { signPayload } from '../../vendors/veriff/signature';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide, sendEvent, sessionOf } from '../support/veriff';

// Webhooks as Veriff really delivers them: repeated, out of order, for sessions we do not know,
// sometimes broken. Each is stored before we answer; each fact has exactly one effect.

describe('Veriff webhooks', () => {
  let system: TestSystem;
  let user: TestUser;

  before(async () => {
    system = await startTestSystem({ KYC_SESSION_TIMEOUT: '4' });
    user = await createUser(system);
  });
  after(async () => {
    await system?.stop();
  });

  const post = (body: string, secret = system.config.VERIFF_WEBHOOK_SECRET, headers: Record<string, string> = {}) =>
    api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers: { 'content-type': 'application/json', 'x-hmac-signature': signPayload(body, secret), 'x-auth-client': system.config.VERIFF_API_KEY, ...headers } });

  const startRecord = async (who: TestUser) => {
    const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: who.token, body: applicant() });
    assert.equal(response.status, 201, response.text);
    return response.json.id as string;
  };

  test('when the same decision is delivered twice, then it has exactly one effect and the second delivery is answered 200 as a duplicate', async () => {
    const customer = await createUser(system);
    const id = await startRecord(customer);
    const session = await sessionOf(system, id);
    const body = JSON.stringify({ status: 'success', verification: { id: session, attemptId: randomUUID(), vendorData: id, status: 'declined', code: 9102, reason: 'tampering', reasonCode: 102, decisionTime: new Date().toISOString() } });
    const [first, second] = await Promise.all([post(body), post(body)]);
    assert.deepEqual([first.status, second.status], [200, 200]);
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === 'rejected', 20_000, 'rejection');
    const third = await post(body);
    assert.equal(third.status, 200);
    assert.equal(third.json.outcome, 'duplicate');
    const rejections = await system.db.kycEvent.count({ where: { kycRecordId: id, eventType: 'KYC_REJECTED' } });
    assert.equal(rejections, 1);
    assert.equal(await system.db.webhookReceipt.count({ where: { sessionId: session, statusOrAction: 'declined' } }), 1);
  });

  test('when the decision arrives before its events, then the verification ends approved and the late events change nothing', async () => {
    const customer = await createUser(system);
    const id = await startRecord(customer);
    await decide(system, id, { status: 'approved', withEvents: false });
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === 'approved', 20_000, 'approval');
    await sendEvent(system, id, 'started');
    await sendEvent(system, id, 'submitted');
    const receipts = await eventually(() => system.db.webhookReceipt.findMany({ where: { kycRecordId: id } }), (r) => r.length === 3, 10_000, 'three receipts');
    // Late events reach either the finishing workflow (which ignores them) or a closed one ('late').
    assert.ok(receipts.every((r) => r.processedAt && (r.outcome === 'processed' || r.outcome === 'late')), JSON.stringify(receipts.map((r) => r.outcome)));
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
    assert.equal(record.status, 'approved');
    const types = (await system.db.kycEvent.findMany({ where: { kycRecordId: id } })).map((e) => e.eventType);
    assert.ok(!types.includes('VERIFF_STARTED') && !types.includes('VERIFF_SUBMITTED'), types.join());
  });

  test('when a webhook names a session we do not know, then it is stored, answered 200 and flagged', async () => {
    const body = JSON.stringify({ id: randomUUID(), attemptId: randomUUID(), feature: 'selfid', code: 7001, action: 'started', vendorData: 'someone-else' });
    const response = await post(body);
    assert.equal(response.status, 200);
    assert.equal(response.json.outcome, 'unknown_session');
    const receipt = await system.db.webhookReceipt.findUniqueOrThrow({ where: { id: response.json.receipt_id as string } });
    assert.equal(receipt.outcome, 'unknown_session');
    assert.equal(receipt.signatureVerdict, 'valid');
    assert.ok(receipt.processedAt);
    assert.equal(system.cipher.decrypt(receipt.rawBodyEnc), body);
  });

  test('when the body is not JSON, then the answer is 400 problem+json and the receipt is kept', async () => {
    const response = await post('{"verification": ');
    assert.equal(response.status, 400);
    assert.match(response.contentType, /^application\/problem\+json/);
    assert.equal(response.json.type, '/problems/malformed-json');
    assert.ok((await system.db.webhookReceipt.count({ where: { outcome: 'malformed' } })) >= 1);
  });

  test('when the signature is missing, then the answer is 401 and the attempt is on the security log', async () => {
    const body = JSON.stringify({ id: randomUUID(), attemptId: 'x', action: 'started' });
    const response = await api(system, 'POST', '/api/kyc/webhook/veriff/', { body });
    assert.equal(response.status, 401);
    assert.ok(system.logs.some((l) => l.includes('webhook_signature_failure') && l.includes('"verdict":"missing"')));
  });

  test('when a signature is sent in upper case over the exact raw bytes, then it is accepted', async () => {
    const body = `{ "id": "${randomUUID()}",  "attemptId": "a", "action": "submitted" }`;
    const response = await post(body, system.config.VERIFF_WEBHOOK_SECRET, { 'x-hmac-signature': signPayload(body, system.config.VERIFF_WEBHOOK_SECRET).toUpperCase() });
    assert.equal(response.status, 200);
  });

  test('when the customer does not finish within KYC_SESSION_TIMEOUT, then the verification expires with a reason and next action', async () => {
    const id = await startRecord(user);
    const expired = await eventually(() => api(system, 'GET', `/api/kyc/records/${id}/status/`, { token: user.token }), (r) => r.json.status === 'expired', 20_000, 'session timeout');
    assert.match(String(expired.json.next_action), /new verification/);
    const types = (await system.db.kycEvent.findMany({ where: { kycRecordId: id } })).map((e) => e.eventType);
    assert.ok(types.includes('SESSION_TIMEOUT'));
  });

  test('when the decision webhook is lost after submission, then the workflow fetches the decision from Veriff', async () => {
    const customer = await createUser(system);
    const id = await startRecord(customer);
    await sendEvent(system, id, 'submitted');
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === 'submitted', 10_000, 'submitted');
    // The simulator records the decision but its webhook never reaches us.
    const session = await sessionOf(system, id);
    const lost = await fetch(`${system.simulator.url}/control/sessions/${session}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'approved', withEvents: false, deliver: false }),
    });
    assert.equal(lost.status, 200, await lost.text());
    const record = await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === 'approved', 20_000, 'approval through the decision poll');
    assert.equal(record.status, 'approved');
    const receipts = await system.db.webhookReceipt.findMany({ where: { kycRecordId: id, statusOrAction: 'approved' } });
    assert.deepEqual(receipts.map((r) => [r.source, r.signatureVerdict]), [['veriff-poll', 'not_applicable']]);
  });
});
