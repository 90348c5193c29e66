// needs: nothing
import { describe, test } from 'node:test';
import { randomBytes, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../domain/config';

describe('configuration', () => {
  test('when nothing is set, then the embedded development defaults apply', () => {
    const config = loadConfig({});
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.KYC_SESSION_TIMEOUT, 3600);
    assert.equal(config.KYC_MAX_RETRIES, 3);
    assert.equal(config.KYC_RATE_LIMIT_PER_IP, 5);
    assert.equal(config.KYC_PII_KEYS[0]?.id, 'dev1');
  });

  test('when a value is invalid, then loading fails naming the variable', () => {
    assert.throws(() => loadConfig({ KYC_MAX_RETRIES: 'three' }), (err: Error) => err instanceof ConfigError && /KYC_MAX_RETRIES/.test(err.message));
    assert.throws(() => loadConfig({ KYC_PII_KEYS: 'no-colon' }), /KYC_PII_KEYS/);
  });

  test('when production runs with development secrets or without a database, then it refuses to start', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), (err: Error) => /DATABASE_URL/.test(err.message) && /KYC_PII_KEYS/.test(err.message) && /JWT_SECRET/.test(err.message) && /KYC_DEMO_ACCOUNTS/.test(err.message));
  });

  test('when production is configured with real keys, then it loads', () => {
    const key = () => randomBytes(32).toString('base64');
    const config = loadConfig({
      NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/kyc', KYC_KEY_STORE_URL: 'postgresql://keys/kyc_keys', KYC_PII_KEYS: `2026a:${key()}`, KYC_PAYLOAD_KEYS: `2026a:${key()}`,
      KYC_PII_HASH_KEY: key(), JWT_SECRET: key(), VERIFF_API_SECRET: randomUUID(), VERIFF_WEBHOOK_SECRET: randomUUID(),
      VERIFF_API_KEY: randomUUID(), VERIFF_BASE_URL: 'https://stationapi.veriff.com', KYC_DEMO_ACCOUNTS: 'false',
    });
    assert.equal(config.KYC_DEMO_ACCOUNTS, false);
    assert.equal(config.KYC_PII_KEYS[0]?.id, '2026a');
  });
});
