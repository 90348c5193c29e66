// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { createDb } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { databaseUrl } from '../support/database';
import { api, createUser, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { freePort } from '../../infra/ports';
import { signPayload } from '../../vendors/veriff/signature';
import { randomUUID } from 'node:crypto';

// Every error is RFC 7807 problem details, and none carries a stack trace or an internal message.

const STACK_OR_INTERNALS = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|Prisma|TypeError|ReferenceError/;

function assertProblem(response: { status: number; contentType: string; json: Record<string, unknown>; text: string }, status: number, type: string) {
  assert.equal(response.status, status, response.text);
  assert.match(response.contentType, /^application\/problem\+json/);
  assert.equal(response.json.status, status);
  assert.equal(response.json.type, type);
  assert.equal(typeof response.json.title, 'string');
  assert.doesNotMatch(response.text, STACK_OR_INTERNALS);
}

describe('errors are problem details without internals', () => {
  let system: TestSystem;
  let customer: TestUser;
  before(async () => {
    system = await startTestSystem({}, { worker: false });
    customer = await createUser(system);
  });
  after(async () => {
    await system?.stop();
  });

  test('when a route does not exist, then the answer is a 404 problem whose instance leaves the query string out', async () => {
    const response = await api(system, 'GET', '/api/nothing/here?token=secret-value&email=a@b.c');
    assertProblem(response, 404, '/problems/not-found');
    assert.equal(response.json.instance, '/api/nothing/here');
    assert.doesNotMatch(response.text, /secret-value|a@b\.c/);
  });

  test('when a known path is called with a method it does not have, then the answer is a 405 problem with Allow', async () => {
    const response = await fetch(`${system.apiUrl}/api/kyc/summary/`, { method: 'DELETE', headers: { authorization: `Bearer ${customer.token}` } });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  test('when a JSON body is larger than the limit, then the answer is a 413 problem, for the API and for the webhook alike', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(70 * 1024), password: 'y' });
    assertProblem(await api(system, 'POST', '/api/auth/login/', { body: big }), 413, '/problems/payload-too-large');
    const huge = JSON.stringify({ id: 'x'.repeat(1100 * 1024) });
    assertProblem(await api(system, 'POST', '/api/kyc/webhook/veriff/', { body: huge }), 413, '/problems/payload-too-large');
  });

  test('when a body is not JSON, then malformed JSON is a 400 problem and another media type a 415 problem', async () => {
    assertProblem(await api(system, 'POST', '/api/auth/login/', { body: '{"username": ' }), 400, '/problems/malformed-json');
    assertProblem(await api(system, 'POST', '/api/auth/login/', { body: 'username=a', headers: { 'content-type': 'text/plain' } }), 415, '/problems/unsupported-media-type');
  });

  test('when a query parameter is invalid, then the answer is a 422 problem naming it', async () => {
    const response = await api(system, 'GET', '/v1/kyc/applications?limit=many', { token: customer.token });
    assertProblem(response, 422, '/problems/validation-failed');
    assert.deepEqual((response.json.errors as { field: string }[]).map((e) => e.field), ['query.limit']);
  });

  test('when a token is malformed, then the answer is a 401 problem that says nothing about why', async () => {
    const response = await api(system, 'GET', '/api/kyc/summary/', { token: 'not.a.jwt' });
    assertProblem(response, 401, '/problems/invalid-token');
  });

  const SIGN_IN = { path: '/api/auth/login/', headers: {}, body: JSON.stringify({ username: 'someone@example.com', password: 'whatever' }) };

  /** A request (a sign-in unless named) sent to an API whose database is at `databaseAt`: the answer, and what the API logged. */
  async function signInAgainst(databaseAt: string, request: { path: string; headers: Record<string, string>; body: string } = SIGN_IN): Promise<{ response: Response; text: string; logs: string[] }> {
    const logs: string[] = [];
    const db = createDb(databaseAt, 1);
    const app = createApp({ db, temporal: system.client, cipher: system.cipher, config: system.config, logger: createLogger('debug', {}, (line) => logs.push(line)) });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${request.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
      return { response, text: await response.text(), logs };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.$disconnect();
    }
  }

  test('when something fails inside, then the answer is a bare 500 problem and the log names the error but not its message', async () => {
    const brokenDatabase = 'kyc_missing_for_errors_test';
    const { response, text, logs } = await signInAgainst(databaseUrl(brokenDatabase));
    assert.equal(response.status, 500);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.deepEqual(Object.keys(JSON.parse(text) as object).sort(), ['instance', 'status', 'title', 'type']);
    assert.doesNotMatch(text, new RegExp(`${brokenDatabase}|does not exist|someone@example\\.com`));
    const logged = logs.find((line) => line.includes('unhandled error'));
    assert.ok(logged, logs.join('\n'));
    // Diagnosable from the log: Prisma's code and PostgreSQL's SQLSTATE (3D000: no such database).
    const entry = JSON.parse(logged) as Record<string, unknown>;
    assert.deepEqual([entry.code, entry.sqlState], ['P1003', '3D000']);
    assert.doesNotMatch(logs.join('\n'), new RegExp(`does not exist|someone@example\\.com`));
  });

  test('when the database cannot be reached, then the answer is a 503 problem with Retry-After, and the log names the error code', async () => {
    // A port nothing listens on: the connection is refused, as while PostgreSQL restarts.
    const url = new URL(databaseUrl('kyc_unreachable'));
    url.port = String(await freePort());
    const { response, text, logs } = await signInAgainst(url.toString());
    assert.equal(response.status, 503, text);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.equal((JSON.parse(text) as { type: string }).type, '/problems/upstream-unavailable');
    const logged = logs.find((line) => line.includes('dependency unavailable'));
    assert.ok(logged, logs.join('\n'));
    assert.equal((JSON.parse(logged) as { code: string }).code, 'P1001');
    assert.doesNotMatch(logs.join('\n'), /someone@example\.com/);
  });

  test('when the database cannot be reached, then a signed Veriff webhook is answered 503 too (its statements go to the driver, past the client), so Veriff retries it', async () => {
    const url = new URL(databaseUrl('kyc_unreachable'));
    url.port = String(await freePort());
    const body = JSON.stringify({ id: randomUUID(), attemptId: randomUUID(), feature: 'selfid', code: 7001, action: 'started', vendorData: randomUUID(), endUserId: null });
    const { response, text, logs } = await signInAgainst(url.toString(), { path: '/api/kyc/webhook/veriff/', headers: { 'x-hmac-signature': signPayload(body, system.config.VERIFF_WEBHOOK_SECRET), 'x-auth-client': system.config.VERIFF_API_KEY }, body });
    assert.equal(response.status, 503, text);
    assert.equal((JSON.parse(text) as { type: string }).type, '/problems/upstream-unavailable');
    const logged = logs.find((line) => line.includes('dependency unavailable'));
    assert.ok(logged, logs.join('\n'));
    // The driver's own code for the refused connection (the client would have said P1001 or P2010).
    assert.equal((JSON.parse(logged) as { code: string }).code, 'ECONNREFUSED');
  });
});
