// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createApp } from '../../api/app';
import { createLogger } from '../../infra/logger';
import { hashPassword } from '../../infra/passwords';
import { api, startTestSystem, type TestSystem } from '../support/system';

// Failed sign-ins are throttled per account name and per client address, in PostgreSQL so that
// every API process applies the same locks. A locked name answers exactly like an unknown one.

const PASSWORD = 'the right password 42';

async function staffUser(system: TestSystem, role: 'admin' | 'reviewer' | 'customer' = 'reviewer') {
  const username = `throttle-${randomUUID().slice(0, 8)}`;
  const user = await system.db.user.create({ data: { username, passwordHash: await hashPassword(PASSWORD), role } });
  return { id: user.id, username };
}

async function login(system: TestSystem, username: string, password: string, ip = '198.51.100.7', baseUrl = system.apiUrl) {
  const response = await fetch(`${baseUrl}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ username, password }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), json: (await response.json()) as Record<string, unknown> };
}

// Each test signs in from addresses of its own (the API trusts the loopback proxy's X-Forwarded-For),
// so the per-address limit of one test does not spill into another.
let nextAddress = 1;
const freshAddress = () => `203.0.113.${nextAddress++}`;

describe('login throttling with the default locks', () => {
  let system: TestSystem;
  let admin: { id: string; token: string };

  before(async () => {
    system = await startTestSystem({}, { worker: false });
    const created = await staffUser(system, 'admin');
    const ok = await login(system, created.username, PASSWORD, freshAddress());
    admin = { id: created.id, token: ok.json.access as string };
  });
  after(async () => {
    await system?.stop();
  });

  test('when 230 wrong passwords arrive in a row for one account from one address, then after 5 failures every answer is 429 with Retry-After, the right password too', async () => {
    const user = await staffUser(system);
    const ip = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 230; i += 1) statuses.push((await login(system, user.username, `wrong ${i}`, ip)).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.deepEqual([...new Set(statuses.slice(5))], [429]);

    const right = await login(system, user.username, PASSWORD, ip);
    assert.equal(right.status, 429);
    const retryAfter = Number(right.retryAfter);
    assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
    assert.equal(right.json.type, '/problems/rate-limited');
    assert.equal(right.json.retry_after, retryAfter);
    // The lock is on the name: the same name from another address is refused as well.
    assert.equal((await login(system, user.username, PASSWORD, freshAddress())).status, 429);
  });

  test('when a name nobody has is tried, then it is answered and locked exactly like a real account', async () => {
    const real = await staffUser(system);
    const ghost = `ghost-${randomUUID().slice(0, 8)}`;
    const answers = async (username: string) => {
      const ip = freshAddress();
      const seen: { status: number; body: Record<string, unknown> }[] = [];
      for (let i = 0; i < 7; i += 1) {
        const response = await login(system, username, 'wrong password', ip);
        const { retry_after: _wait, instance: _instance, ...rest } = response.json;
        seen.push({ status: response.status, body: rest });
      }
      return seen;
    };
    assert.deepEqual(await answers(ghost), await answers(real.username));
  });

  test('when one address fails for many names, then it is locked for every name, while those names still sign in from elsewhere', async () => {
    const ip = freshAddress();
    for (let i = 0; i < 20; i += 1) assert.equal((await login(system, `spray-${randomUUID().slice(0, 8)}`, 'Winter2026!', ip)).status, 401);
    const user = await staffUser(system);
    assert.equal((await login(system, user.username, PASSWORD, ip)).status, 429);
    assert.equal((await login(system, user.username, PASSWORD, freshAddress())).status, 200);
  });

  test('when many wrong passwords arrive at once, then no more than the limit get their password checked', async () => {
    const user = await staffUser(system);
    const ip = freshAddress();
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => login(system, user.username, `parallel ${i}`, ip).then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 25);
  });

  test('when a second API process serves the same database, then it refuses the name the first one locked', async () => {
    const user = await staffUser(system);
    const ip = freshAddress();
    for (let i = 0; i < 5; i += 1) await login(system, user.username, 'wrong', ip);
    const other = http.createServer(createApp({ db: system.db, temporal: system.client, cipher: system.cipher, config: system.config, logger: createLogger('error', {}, () => undefined) }));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const response = await login(system, user.username, PASSWORD, freshAddress(), `http://127.0.0.1:${(other.address() as AddressInfo).port}`);
      assert.equal(response.status, 429);
      assert.ok(Number(response.retryAfter) >= 1);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  test('when a lock starts, then the security log records it with the account, the 401s and the 429s; the name itself is stored nowhere', async () => {
    const user = await staffUser(system);
    const ip = freshAddress();
    for (let i = 0; i < 6; i += 1) await login(system, user.username, 'wrong', ip);
    const read = async (type: string) => {
      const response = await api(system, 'GET', `/api/admin/security-events/?type=${type}&limit=100`, { token: admin.token });
      assert.equal(response.status, 200, response.text);
      return (response.json.items as { ip: string; user_id: string | null; route: string; status: number }[]).filter((e) => e.ip === ip);
    };
    assert.deepEqual((await read('login_locked')).map((e) => [e.user_id, e.route, e.status]), [[user.id, '/api/auth/login/', 401]]);
    assert.equal((await read('auth_failure')).length, 5);
    assert.equal((await read('rate_limited')).length, 1);

    const pg = new Client({ connectionString: system.config.DATABASE_URL });
    await pg.connect();
    try {
      const rows = JSON.stringify((await pg.query('SELECT * FROM login_throttles')).rows);
      assert.ok(rows.includes(`ip:${ip}`), 'the address is counted');
      assert.ok(!rows.includes(user.username), 'the name is stored as a keyed hash only');
    } finally {
      await pg.end();
    }
  });
});

describe('login throttling after a lock ends', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({ KYC_LOGIN_LOCK_SECONDS: '1', KYC_LOGIN_LOCK_MAX_SECONDS: '2' }, { worker: false });
  });
  after(async () => {
    await system?.stop();
  });

  const waitOut = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 100));

  test('when the lock has run out, then a failure locks the name again for twice as long, and the right password afterwards signs in and starts the count afresh', async () => {
    const user = await staffUser(system);
    const ip = freshAddress();
    for (let i = 0; i < 5; i += 1) assert.equal((await login(system, user.username, 'wrong', ip)).status, 401);
    const locked = await login(system, user.username, PASSWORD, ip);
    assert.equal(locked.status, 429);
    assert.equal(locked.json.retry_after, 1);

    await waitOut(1);
    assert.equal((await login(system, user.username, 'wrong again', ip)).status, 401);
    const relocked = await login(system, user.username, PASSWORD, ip);
    assert.equal(relocked.status, 429);
    assert.equal(relocked.json.retry_after, 2);

    await waitOut(2);
    const signedIn = await login(system, user.username, PASSWORD, ip);
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.json));
    for (let i = 0; i < 4; i += 1) assert.equal((await login(system, user.username, 'wrong', ip)).status, 401, `failure ${i + 1} after a success`);
  });
});
