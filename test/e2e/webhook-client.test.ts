// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { signPayload } from '../../vendors/veriff/signature';
import { api, createUser, startTestSystem, type TestSystem } from '../support/system';

// Veriff sends our integration's API key in X-AUTH-CLIENT with every webhook. A correctly signed
// webhook that names another integration, or none, is refused like a bad signature.

describe('the Veriff webhook checks X-AUTH-CLIENT', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({}, { worker: false });
  });
  after(async () => {
    await system?.stop();
  });

  const send = (client: string | undefined) => {
    const body = JSON.stringify({ id: randomUUID(), attemptId: randomUUID(), action: 'started', vendorData: 'not-a-record' });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-hmac-signature': signPayload(body, system.config.VERIFF_WEBHOOK_SECRET) };
    if (client !== undefined) headers['x-auth-client'] = client;
    return api(system, 'POST', '/api/kyc/webhook/veriff/', { body, headers });
  };

  test('when a signed webhook carries our API key, then it is accepted', async () => {
    const response = await send(system.config.VERIFF_API_KEY);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.outcome, 'unknown_session');
  });

  test('when a signed webhook carries another API key or none, then it is refused with a 401 problem and logged', async () => {
    const admin = await createUser(system, 'admin');
    for (const client of ['another-integration', `${system.config.VERIFF_API_KEY}x`, '', undefined]) {
      const response = await send(client);
      assert.equal(response.status, 401, `${String(client)}: ${response.text}`);
      assert.match(response.contentType, /^application\/problem\+json/);
      assert.match(String(response.json.detail), /X-AUTH-CLIENT/);
    }
    assert.equal(await system.db.webhookReceipt.count({ where: { outcome: { not: 'rejected_signature' } } }), 1, 'only the accepted webhook was taken in');
    const events = await api(system, 'GET', '/api/admin/security-events/?type=signature_failure', { token: admin.token });
    assert.equal((events.json.items as unknown[]).length, 4);
  });
});
