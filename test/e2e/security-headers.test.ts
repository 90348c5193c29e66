// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import { createApp } from '../../api/app';
import { loadConfig } from '../../domain/config';
import { createLogger } from '../../infra/logger';
import { createApiMetrics, startMetricsServer } from '../../infra/metrics';
import { startTestSystem, type TestSystem } from '../support/system';
import { gaugeSnapshot } from '../../store/ops-queries';

// Transport and referrer headers on every kind of answer, HSTS in production, and the metrics
// port kept on this machine unless a deployment opens it.

describe('security headers and the metrics binding', () => {
  let system: TestSystem;
  const servers: http.Server[] = [];

  before(async () => {
    system = await startTestSystem({}, { worker: false });
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await system?.stop();
  });

  // The system's API as production runs it: real secrets, https Veriff, the same database.
  async function productionApi(overrides: Record<string, string> = {}): Promise<string> {
    const secret = () => randomBytes(32).toString('base64');
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: system.config.DATABASE_URL!,
      // Production names a key store of its own; the app below is handed the test system's.
      KYC_KEY_STORE_URL: `${system.config.DATABASE_URL!}_keys`,
      TEMPORAL_ADDRESS: system.config.TEMPORAL_ADDRESS,
      KYC_PII_KEYS: `p1:${secret()}`,
      KYC_PAYLOAD_KEYS: `p1:${secret()}`,
      KYC_PII_HASH_KEY: secret(),
      JWT_SECRET: secret(),
      VERIFF_API_KEY: randomUUID(),
      VERIFF_API_SECRET: randomUUID(),
      VERIFF_WEBHOOK_SECRET: randomUUID(),
      VERIFF_BASE_URL: 'https://stationapi.veriff.com',
      KYC_DEMO_ACCOUNTS: 'false',
      ...overrides,
    });
    const app = createApp({ db: system.db, keyStore: system.keyStore, temporal: system.client, cipher: system.cipher, config, logger: createLogger('error', { service: 'test-production-api' }, () => undefined) });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const headersOf = async (url: string) => (await fetch(url, { redirect: 'manual' })).headers;

  test('when the docs, the JSON API and its problems answer, then each says no-referrer; pages keep same-origin', async () => {
    for (const path of ['/docs/', '/docs/swagger-initializer.js', '/openapi.json', '/api/v1/health', '/api/kyc/summary/', '/no/such/route']) {
      const headers = await headersOf(`${system.apiUrl}${path}`);
      assert.equal(headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(headers.get('x-content-type-options'), 'nosniff', path);
    }
    assert.equal((await headersOf(`${system.apiUrl}/login`)).get('referrer-policy'), 'same-origin');
  });

  test('when the API runs in production, then every answer carries HSTS for a year; outside production it does not', async () => {
    const production = await productionApi();
    for (const path of ['/api/v1/health', '/docs/', '/login', '/no/such/route']) {
      assert.equal((await headersOf(`${production}${path}`)).get('strict-transport-security'), 'max-age=31536000', path);
    }
    assert.equal((await headersOf(`${system.apiUrl}/api/v1/health`)).get('strict-transport-security'), null);
  });

  test('when a deployment behind a TLS proxy configures HSTS, then it can turn it off or set its own max-age', async () => {
    assert.equal((await headersOf(`${await productionApi({ KYC_HSTS: 'off' })}/api/v1/health`)).get('strict-transport-security'), null);
    assert.equal((await headersOf(`${await productionApi({ KYC_HSTS: '86400' })}/api/v1/health`)).get('strict-transport-security'), 'max-age=86400');
    assert.throws(() => loadConfig({ KYC_HSTS: 'yes' }), /KYC_HSTS: must be on, off or a max-age in seconds/);
  });

  test('when the metrics server starts with the default host, then it answers on loopback and not on the network interfaces', async () => {
    const host = loadConfig({}).METRICS_HOST;
    assert.equal(host, '127.0.0.1');
    const metrics = await startMetricsServer(createApiMetrics({ readGauges: () => gaugeSnapshot(system.db, { stuckAfterHours: 2, brokerConfigured: false }) }), 0, host);
    try {
      const { port } = new URL(metrics.url);
      assert.equal((await fetch(metrics.url)).status, 200);
      const external = Object.values(os.networkInterfaces())
        .flat()
        .filter((address) => address && address.family === 'IPv4' && !address.internal)
        .map((address) => address!.address);
      for (const address of external) {
        await assert.rejects(fetch(`http://${address}:${port}/metrics`), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED', address);
      }
    } finally {
      await metrics.close();
    }
  });
});
