import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../../domain/config';

// Configuration tests start from a production configuration that loads and spoil one thing.

const key = () => randomBytes(32).toString('base64');

/** Every secret drawn at random, Veriff for real, no demo accounts: production starts with it. */
export function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://db/kyc',
    KYC_KEY_STORE_URL: 'postgresql://keys/kyc_keys',
    KYC_PII_KEYS: `2026a:${key()}`,
    KYC_PAYLOAD_KEYS: `2026a:${key()}`,
    KYC_PII_HASH_KEY: key(),
    JWT_SECRET: key(),
    VERIFF_API_KEY: randomUUID(),
    VERIFF_API_SECRET: randomUUID(),
    VERIFF_WEBHOOK_SECRET: randomUUID(),
    VERIFF_BASE_URL: 'https://stationapi.veriff.com',
    KYC_DEMO_ACCOUNTS: 'false',
  };
}

/** The message of the ConfigError loading `env` fails with; fails the test when it loads. */
export function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  return assert.fail('the configuration was accepted');
}
