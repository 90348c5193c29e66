// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
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
    const receipts = await eventually(() => system.db.webhookReceipt.findMany({ where: { kycRecordId: id } }), (r) => r.length === 3 && r.every((receipt) => receipt.processedAt !== null), 10_000, 'three receipts, closed');
    // Events after the decision are stored and answered 'late': the verification has ended.
    assert.deepEqual(receipts.map((r) => `${r.statusOrAction}:${r.outcome}`).sort(), ['approved:processed', 'started:late', 'submitted:late']);
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
    assert.equal(record.status, 'approved');
    const types = (await system.db.kycEvent.findMany({ where: { kycRecordId: id } })).map((e) => e.eventType);
    assert.ok(!types.includes('VENDOR_STARTED') && !types.includes('VENDOR_SUBMITTED'), types.join());
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
    assert.equal(await system.stores.receipts.body(receipt.id).then(JSON.stringify), JSON.stringify(JSON.parse(body)), 'kept, sealed with a key of its own');
  });

  test('when the body is not JSON, then the answer is 400 problem+json and the receipt is kept', async () => {
    const response = await post('{"verification": ');
    assert.equal(response.status, 400);
    assert.match(response.contentType, /^application\/problem\+json/);
    assert.equal(response.json.type, '/problems/malformed-json');
    assert.ok((await system.db.webhookReceipt.count({ where: { outcome: 'malformed' } })) >= 1);
  });

  // Each refusal test comes from an address of its own (X-Forwarded-For from loopback is trusted), so the per-address failure limit of one does not spill into another.
  const from = () => ({ 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` });

  test('when the signature is missing, then the answer is 401, nothing is stored, and the security log has the size and hash of the body', async () => {
    const session = randomUUID();
    const body = JSON.stringify({ id: session, attemptId: 'x', action: 'started' });
    const receiptsBefore = await system.db.webhookReceipt.count();
    const response = await api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers: { 'content-type': 'application/json', 'x-auth-client': system.config.VERIFF_API_KEY, ...from() } });
    assert.equal(response.status, 401);
    assert.equal(await system.db.webhookReceipt.count(), receiptsBefore, 'an unsigned body is not stored');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const logged = await eventually(() => system.db.securityEvent.findMany({ where: { type: 'signature_failure' } }), (events) => events.some((e) => (e.details as { bodySha256?: string } | null)?.bodySha256 === sha256), 5_000, 'the security event');
    const event = logged.find((e) => (e.details as { bodySha256?: string } | null)?.bodySha256 === sha256)!;
    assert.deepEqual(event.details, { verdict: 'missing_signature', bodyBytes: Buffer.byteLength(body), bodySha256: sha256 });
    assert.ok(!system.logs.some((l) => l.includes(session)), 'the body is not in the logs either');
  });

  test('when one address keeps sending refused webhooks, then after the limit it is answered 429 with Retry-After', async () => {
    const address = from();
    const body = JSON.stringify({ id: randomUUID(), attemptId: 'x', action: 'started' });
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers: { 'content-type': 'application/json', 'x-hmac-signature': 'ab'.repeat(32), ...address } })).status);
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
    assert.deepEqual(statuses.slice(20), [429, 429]);
    const limited = await api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers: { 'content-type': 'application/json', ...address } });
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  test('when a body is larger than any Veriff webhook, then it is refused with 413 and not stored', async () => {
    const body = JSON.stringify({ id: randomUUID(), attemptId: 'x', action: 'started', padding: 'x'.repeat(40_000) });
    const receiptsBefore = await system.db.webhookReceipt.count();
    const response = await post(body);
    assert.equal(response.status, 413);
    assert.equal(await system.db.webhookReceipt.count(), receiptsBefore);
  });

  test('when a signed event arrives that the verification is already past, then it is stored and answered "ignored"', async () => {
    const customer = await createUser(system);
    const id = await startRecord(customer);
    await sendEvent(system, id, 'submitted');
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id } }), (r) => r.status === 'submitted', 10_000, 'submitted');
    const session = await sessionOf(system, id);
    const late = JSON.stringify({ id: session, attemptId: randomUUID(), feature: 'selfid', code: 7001, action: 'started', vendorData: id });
    const response = await post(late);
    assert.equal(response.status, 200);
    assert.equal(response.json.outcome, 'ignored');
    assert.equal((await system.db.webhookReceipt.findUniqueOrThrow({ where: { id: response.json.receipt_id as string } })).outcome, 'ignored');
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id } })).status, 'submitted');
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
