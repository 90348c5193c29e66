// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signPayload } from '../../vendors/veriff/signature';
import { api, createUser, eventually, runtimeLogs, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// The happy path over HTTP, on the real Temporal dev server and a real PostgreSQL, with
// the Veriff simulator delivering signed webhooks to our webhook endpoint.
describe('verification happy path, end to end', () => {
  let system: TestSystem;
  let customer: TestUser;
  let recordId: string;

  before(async () => {
    system = await startTestSystem({}, { notifications: true });
    customer = await createUser(system);
  });
  after(async () => {
    await system?.stop();
  });

  test('when a customer starts a verification with the sample application, then the API answers with the record id and the Veriff session URL', async () => {
    const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: SAMPLE_APPLICATION });
    assert.equal(response.status, 201, response.text);
    recordId = response.json.id as string;
    assert.match(recordId, /^[0-9a-f-]{36}$/);
    assert.equal(response.json.status, 'pending');
    assert.ok(String(response.json.session_url).startsWith(`${system.simulator.url}/v/`), String(response.json.session_url));

    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    assert.equal(record.userId, customer.id);
    assert.ok(record.veriffSessionId);
    const sessions = await fetch(`${system.simulator.url}/control/sessions/${record.veriffSessionId}`).then((r) => r.json() as Promise<{ session: { vendorData: string } }>);
    assert.equal(sessions.session.vendorData, recordId);
  });

  test('when Veriff sends a signed approved decision, then the record is approved and the wallet upgraded', async () => {
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    const decided = await fetch(`${system.simulator.url}/control/sessions/${record.veriffSessionId}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'approved' }),
    });
    assert.equal(decided.status, 200);

    const status = await eventually(
      () => api(system, 'GET', `/api/kyc/records/${recordId}/status/`, { token: customer.token }),
      (r) => r.json.status === 'approved',
      20_000,
      'the record to be approved',
    );
    assert.equal(status.json.reason, 'Your identity is verified.');
    assert.ok(status.json.verified_at);

    const wallet = await eventually(() => system.db.wallet.findUniqueOrThrow({ where: { userId: customer.id } }), (w) => w.walletType === 'verified', 10_000, 'the wallet upgrade');
    assert.equal(wallet.isKycVerified, true);
    assert.equal(wallet.dailyLimit.toFixed(2), '50000.00');
    assert.equal(wallet.monthlyLimit.toFixed(2), '500000.00');
    assert.ok(wallet.upgradedAt);
    assert.equal(wallet.upgradedByRecordId, recordId);

    // Each receipt is closed once handed to the workflow, just after Veriff had its answer.
    const receipts = await eventually(() => system.db.webhookReceipt.findMany({ where: { kycRecordId: recordId }, orderBy: { receivedAt: 'asc' } }), (all) => all.every((r) => r.processedAt !== null), 10_000, 'the receipts closed');
    assert.deepEqual(receipts.map((r) => [r.statusOrAction, r.signatureVerdict, r.outcome]), [
      ['started', 'valid', 'processed'],
      ['submitted', 'valid', 'processed'],
      ['approved', 'valid', 'processed'],
    ]);
  });

  test('then staff see the whole audit trail, the customer their status changes in words, and the summary shows the upgraded wallet', async () => {
    const staff = await createUser(system, 'auditor');
    const events = await eventually(
      () => api(system, 'GET', `/api/kyc/records/${recordId}/events/`, { token: staff.token }),
      (r) => (r.json.events as unknown[]).length >= 8,
      10_000,
      'the complete timeline',
    );
    const timeline = (events.json.events as { event_type: string; to_status: string | null }[]).map((e) => `${e.event_type}:${e.to_status ?? '-'}`);
    // The vendor's images are kept by a workflow of their own once the decision came: in parallel
    // with the verification's steps, so its place among them varies.
    assert.ok(timeline.includes('DOCUMENT_FETCHED:-'), 'the document image kept from Veriff');
    assert.deepEqual(timeline.filter((e) => e !== 'DOCUMENT_FETCHED:-'), ['KYC_CREATED:pending', 'SESSION_CREATED:-', 'VENDOR_STARTED:in_progress', 'VENDOR_SUBMITTED:submitted', 'RISK_ASSESSED:-', 'KYC_APPROVED:approved', 'WALLET_UPGRADED:-']);
    const assessed = (events.json.events as { event_type: string; data?: { score?: number } }[]).find((e) => e.event_type === 'RISK_ASSESSED');
    assert.equal(assessed?.data?.score, 0, 'staff see the score behind the event');

    // The customer's own view: what happened in words; no scores, codes, vendor data or staff ids.
    const own = await api(system, 'GET', `/api/kyc/records/${recordId}/events/`, { token: customer.token });
    const ownEvents = own.json.events as Record<string, unknown>[];
    assert.deepEqual(ownEvents.map((e) => `${e.event_type}:${e.to_status}`), ['KYC_CREATED:pending', 'VENDOR_STARTED:in_progress', 'VENDOR_SUBMITTED:submitted', 'KYC_APPROVED:approved']);
    assert.ok(ownEvents.every((e) => !('data' in e) && typeof e.reason === 'string'), own.text);
    assert.ok(!/score|receipt|reasonCode|vendorStatus/i.test(own.text), own.text);
    const status = await api(system, 'GET', `/api/kyc/records/${recordId}/status/`, { token: customer.token });
    assert.ok(!('risk_score' in status.json), 'the customer is not shown the risk score');
    assert.equal((await api(system, 'GET', `/api/kyc/records/${recordId}/status/`, { token: staff.token })).json.risk_score, 0);

    const summary = await api(system, 'GET', '/api/kyc/summary/', { token: customer.token });
    assert.equal(summary.status, 200);
    assert.equal(summary.json.kyc_verified, true);
    const wallet = summary.json.wallet as Record<string, unknown>;
    assert.equal(wallet.wallet_type, 'verified');
    assert.equal(wallet.daily_limit, '50000.00');
    assert.ok(wallet.upgraded_at);

    const notified = await eventually(async () => system.notifications!.received.map((r) => r.event.type), (types) => types.includes('KYC_VERIFIED'), 10_000, 'the approval notification');
    assert.equal(notified.filter((t) => t === 'KYC_VERIFIED').length, 1);
  });

  test('when a webhook arrives with a bad signature, then it gets 401 problem+json and changes nothing', async () => {
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    const before = await system.db.kycEvent.count({ where: { kycRecordId: recordId } });
    const body = JSON.stringify({ status: 'success', verification: { id: record.veriffSessionId, attemptId: 'a-1', vendorData: recordId, status: 'declined', code: 9102, reasonCode: 102 } });
    const response = await api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers: { 'x-hmac-signature': signPayload(body, 'not-the-shared-secret') } });
    assert.equal(response.status, 401);
    assert.match(response.contentType, /^application\/problem\+json/);
    assert.equal(response.json.status, 401);

    const after = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    assert.equal(after.status, 'approved');
    assert.equal(await system.db.kycEvent.count({ where: { kycRecordId: recordId } }), before);
    // Only what Veriff signed is stored: the refused body is not, its size and hash are on the security log.
    assert.equal(await system.db.webhookReceipt.count({ where: { signatureVerdict: { not: 'valid' }, source: 'veriff' } }), 0);
    assert.ok(system.logs.some((line) => line.includes('"channel":"security"') && line.includes('"event":"signature_failure"') && line.includes('"verdict":"invalid_signature"') && line.includes(`"bodyBytes":${Buffer.byteLength(body)}`)));
  });

  test('then neither the API logs nor the worker logs contain the applicant PII', () => {
    assert.ok(system.logs.length > 0 && runtimeLogs.length > 0, 'both logs were captured');
    const everything = JSON.stringify([system.logs, runtimeLogs]);
    for (const pii of [SAMPLE_APPLICATION.first_name, SAMPLE_APPLICATION.last_name, SAMPLE_APPLICATION.date_of_birth, SAMPLE_APPLICATION.document_number, SAMPLE_APPLICATION.address_line_1, SAMPLE_APPLICATION.city]) {
      assert.ok(!everything.includes(pii), `${pii} appears in the logs`);
    }
  });
});
