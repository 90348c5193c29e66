// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { createDb, type Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { api, createUser, SAMPLE_APPLICATION, startTestSystem, type TestSystem } from '../support/system';

// The per-IP limit on verification starts lives in PostgreSQL, so two API processes sharing one
// database count against the same limit. Clients are told apart by X-Forwarded-For (the test
// client is on loopback, the proxy the app trusts), each test using addresses of its own.

const LIMIT = 3;
const START_PATHS = ['/api/kyc/records/start_verification/', '/v1/kyc/applications', '/api/verifications/'];
const clientAddress = () => `198.51.100.${randomInt(1, 255)}`;

describe('rate limit on verification starts, shared by API instances', () => {
  let system: TestSystem;
  let secondDb: Db;
  let second: http.Server;
  let secondUrl: string;
  let usedAddresses: Set<string>;

  // A fresh address per test: the limit is per address and per hour.
  const freshAddress = () => {
    let address = clientAddress();
    while (usedAddresses.has(address)) address = clientAddress();
    usedAddresses.add(address);
    return address;
  };

  const startFrom = async (instance: 'first' | 'second', address: string, path = START_PATHS[0]!, body: unknown = SAMPLE_APPLICATION) => {
    const user = await createUser(system);
    const response = await fetch(`${instance === 'first' ? system.apiUrl : secondUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify(body),
    });
    return { user, status: response.status, retryAfter: response.headers.get('retry-after'), contentType: response.headers.get('content-type') ?? '', body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    usedAddresses = new Set();
    system = await startTestSystem({ KYC_RATE_LIMIT_PER_IP: String(LIMIT) });
    // A second API process in all but the process: its own app, its own database pool.
    secondDb = createDb(system.config.DATABASE_URL!, 5);
    second = http.createServer(createApp({ db: secondDb, temporal: system.client, cipher: system.cipher, config: system.config, logger: createLogger('error') }));
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', resolve));
    secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
  });
  after(async () => {
    second?.closeAllConnections();
    await new Promise((resolve) => second?.close(resolve));
    await secondDb?.$disconnect();
    await system?.stop();
  });

  test('when one address starts verifications through both instances and all three APIs, then the start over the limit is a 429 problem with Retry-After and starts nothing', async () => {
    const address = freshAddress();
    const allowed = [await startFrom('first', address, START_PATHS[0]), await startFrom('second', address, START_PATHS[1]), await startFrom('first', address, START_PATHS[2])];
    assert.deepEqual(allowed.map((r) => r.status), [201, 201, 201]);

    const refused = await startFrom('second', address, START_PATHS[0]);
    assert.equal(refused.status, 429);
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.equal(refused.body.type, '/problems/rate-limited');
    const retryAfter = Number(refused.retryAfter);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600, `Retry-After: ${refused.retryAfter}`);
    assert.equal(refused.body.retry_after, retryAfter);
    assert.equal(await system.db.kycRecord.count({ where: { userId: refused.user.id } }), 0);

    const event = await system.db.securityEvent.findFirst({ where: { type: 'rate_limited', userId: refused.user.id } });
    assert.ok(event, 'the refusal is in the security log');
    assert.equal(event.ip, address);
    assert.equal(event.status, 429);
    assert.equal(event.route, START_PATHS[0]);

    const elsewhere = await startFrom('first', freshAddress());
    assert.equal(elsewhere.status, 201, 'another address has its own limit');
  });

  test('when many starts from one address race on both instances, then exactly the limit get through', async () => {
    const address = freshAddress();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => startFrom(i % 2 ? 'first' : 'second', address)));
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, LIMIT, statuses.join());
    assert.equal(statuses.filter((s) => s === 429).length, 10 - LIMIT, statuses.join());
  });

  test('when an application fails validation, then it does not count against the limit', async () => {
    const address = freshAddress();
    for (let i = 0; i < LIMIT + 2; i++) {
      const invalid = await startFrom(i % 2 ? 'first' : 'second', address, START_PATHS[0], { ...SAMPLE_APPLICATION, date_of_birth: '2020-01-01' });
      assert.equal(invalid.status, 422);
    }
    assert.equal((await startFrom('first', address)).status, 201);
  });

  test('when the client sends no forwarded address, then its own address is the one counted', async () => {
    const user = await createUser(system);
    await api(system, 'POST', START_PATHS[0]!, { token: user.token, body: SAMPLE_APPLICATION });
    const bucket = await system.db.rateLimitBucket.findFirst({ where: { key: 'verification-start:127.0.0.1' } });
    assert.equal(bucket?.hits, 1);
  });
});
