// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, createUser, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// The security log: every refused webhook signature, failed login, bad token, refused role and
// rate-limit hit becomes a security_events row (no PII) and a structured log line, and the
// auditor and the admin can read it.

describe('security log', () => {
  let system: TestSystem;
  let admin: TestUser;
  let auditor: TestUser;
  let reviewer: TestUser;

  const eventsOf = async (type: string) => {
    const response = await api(system, 'GET', `/api/admin/security-events/?type=${type}&limit=100`, { token: admin.token });
    assert.equal(response.status, 200, response.text);
    return response.json.items as { type: string; ip: string | null; user_id: string | null; method: string; route: string; status: number }[];
  };

  before(async () => {
    system = await startTestSystem({ KYC_RATE_LIMIT_PER_IP: '1' });
    admin = await createUser(system, 'admin');
    auditor = await createUser(system, 'auditor');
    reviewer = await createUser(system, 'reviewer');
  });
  after(async () => {
    await system?.stop();
  });

  test('when a webhook arrives with a wrong signature, then a signature_failure is logged with the address and no user', async () => {
    const response = await api(system, 'POST', '/api/kyc/webhook/veriff/', { body: { id: 'session', action: 'started' }, headers: { 'x-hmac-signature': 'f'.repeat(64) } });
    assert.equal(response.status, 401);
    const [event] = await eventsOf('signature_failure');
    assert.deepEqual(event && { ip: event.ip, user: event.user_id, route: event.route, status: event.status }, { ip: '127.0.0.1', user: null, route: '/api/kyc/webhook/veriff/', status: 401 });
  });

  test('when a login fails, then an auth_failure is logged without the username or password', async () => {
    const response = await api(system, 'POST', '/api/auth/login/', { body: { username: 'mallory@example.com', password: 'guess-123' } });
    assert.equal(response.status, 401);
    const [event] = await eventsOf('auth_failure');
    assert.equal(event?.route, '/api/auth/login/');
    assert.equal(event?.user_id, null);
    const logged = system.logs.filter((line) => line.includes('"security event"'));
    assert.ok(logged.some((line) => line.includes('"auth_failure"') && line.includes('"channel":"security"')), logged.join('\n'));
    assert.doesNotMatch(logged.join('\n'), /mallory|guess-123/);
  });

  test('when a token is forged, then an auth_failure is logged; a request without any token is not an attack and is not logged', async () => {
    const before = (await eventsOf('auth_failure')).length;
    const [header, payload] = admin.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: forged })).status, 401);
    assert.equal((await api(system, 'GET', '/api/kyc/summary/')).status, 401);
    const after = await eventsOf('auth_failure');
    assert.equal(after.length, before + 1);
    assert.equal(after[0]?.route, '/api/kyc/summary/');
  });

  test('when a role is refused, then a forbidden event names the user and the route pattern, not the ids in the path', async () => {
    const customer = await createUser(system);
    const response = await api(system, 'POST', `/api/kyc/records/${randomUUID()}/retry/`, { token: reviewer.token });
    assert.equal(response.status, 403);
    const refusedCustomer = await api(system, 'GET', '/api/admin/security-events/', { token: customer.token });
    assert.equal(refusedCustomer.status, 403);
    const events = await eventsOf('forbidden');
    assert.deepEqual(
      events.slice(0, 2).map((e) => [e.user_id, e.method, e.route]),
      [
        [customer.id, 'GET', '/api/admin/security-events/'],
        [reviewer.id, 'POST', '/api/kyc/records/:id/retry/'],
      ],
    );
  });

  test('when the rate limit refuses a start, then a rate_limited event names the user and the address', async () => {
    const first = await createUser(system);
    const second = await createUser(system);
    const headers = { 'x-forwarded-for': '192.0.2.44' };
    assert.equal((await api(system, 'POST', '/api/kyc/records/start_verification/', { token: first.token, body: SAMPLE_APPLICATION, headers })).status, 201);
    assert.equal((await api(system, 'POST', '/api/kyc/records/start_verification/', { token: second.token, body: SAMPLE_APPLICATION, headers })).status, 429);
    const [event] = await eventsOf('rate_limited');
    assert.deepEqual(event && [event.user_id, event.ip, event.status], [second.id, '192.0.2.44', 429]);
  });

  test('when the log is read, then the auditor sees what the admin sees, a reviewer is refused, and the table holds no personal data beyond ids and addresses', async () => {
    const asAdmin = await api(system, 'GET', '/api/admin/security-events/?limit=100', { token: admin.token });
    const asAuditor = await api(system, 'GET', '/api/admin/security-events/?limit=100', { token: auditor.token });
    assert.equal(asAuditor.status, 200);
    assert.deepEqual((asAuditor.json.items as { id: string }[]).map((e) => e.id), (asAdmin.json.items as { id: string }[]).map((e) => e.id));
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: reviewer.token })).status, 403);

    const types = new Set((asAdmin.json.items as { type: string }[]).map((e) => e.type));
    assert.deepEqual([...types].sort(), ['auth_failure', 'forbidden', 'rate_limited', 'signature_failure']);

    const pg = new Client({ connectionString: system.config.DATABASE_URL });
    await pg.connect();
    try {
      const columns = (await pg.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'security_events' ORDER BY column_name")).rows.map((r) => r.column_name);
      assert.deepEqual(columns, ['created_at', 'details', 'id', 'ip', 'method', 'route', 'status', 'type', 'user_id']);
      const rows = JSON.stringify((await pg.query('SELECT * FROM security_events')).rows);
      assert.doesNotMatch(rows, /mallory|guess-123|John|Doe/);
    } finally {
      await pg.end();
    }
  });
});
