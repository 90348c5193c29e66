// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '../../domain/config';
import { shannonEntropyPerChar, weakKeyReason, weakSecretReason } from '../../domain/secret-strength';
// A production configuration that loads (production()); each test spoils one thing.
import { productionEnv as production, refusal } from '../support/config';

// Production refuses to start with anything a development setup uses (all of it is public: it is
// in domain/config.ts), recognised by value whatever it is called, and with secrets or keys too
// weak to have been drawn at random.

const key = () => randomBytes(32).toString('base64');

// The development values, as an operator might copy them from domain/config.ts's defaults.
const development = loadConfig({});

describe('production configuration', () => {
  test('when every secret is real, then production starts', () => {
    assert.equal(loadConfig(production()).NODE_ENV, 'production');
  });

  test('when the Veriff secrets, key or URL are left at the simulator values, then production refuses to start naming each', () => {
    const message = refusal({ ...production(), VERIFF_API_SECRET: undefined, VERIFF_WEBHOOK_SECRET: undefined, VERIFF_API_KEY: undefined, VERIFF_BASE_URL: undefined });
    assert.match(message, /VERIFF_API_SECRET: the development secret is refused/);
    assert.match(message, /VERIFF_WEBHOOK_SECRET: the development secret is refused/);
    assert.match(message, /VERIFF_API_KEY: the simulator's key is refused/);
    assert.match(message, /VERIFF_BASE_URL: names this machine/);
  });

  test('when Veriff is reached on a loopback address or over plain http, then production refuses', () => {
    for (const url of ['http://127.0.0.1:8090', 'https://localhost', 'http://[::1]:8090', 'https://127.1.2.3/v1', 'http://sim.localhost:8090']) {
      assert.match(refusal({ ...production(), VERIFF_BASE_URL: url }), /VERIFF_BASE_URL: names this machine/, url);
    }
    assert.match(refusal({ ...production(), VERIFF_BASE_URL: 'http://stationapi.veriff.com' }), /VERIFF_BASE_URL: must be https/);
  });

  test('when a development key is given under another id, then production recognises it by its bytes', () => {
    const devPii = development.KYC_PII_KEYS[0]!.key;
    const devPayload = development.KYC_PAYLOAD_KEYS[0]!.key;
    assert.match(refusal({ ...production(), KYC_PII_KEYS: `prod2026:${devPii}` }), /KYC_PII_KEYS: key "prod2026" is a development key/);
    // Rotated behind a real key, or swapped between the two rings: still the development bytes.
    assert.match(refusal({ ...production(), KYC_PAYLOAD_KEYS: `k2:${key()},k1:${devPii}` }), /KYC_PAYLOAD_KEYS: key "k1" is a development key/);
    assert.match(refusal({ ...production(), KYC_PII_KEYS: `k1:${devPayload}` }), /KYC_PII_KEYS: key "k1" is a development key/);
  });

  test('when a key is not 32 random-looking bytes, then production refuses it', () => {
    assert.match(refusal({ ...production(), KYC_PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` }), /KYC_PII_KEYS: key "k1" repeats its bytes/);
    const counted = Buffer.from(Array.from({ length: 32 }, (_, i) => i % 8));
    assert.match(refusal({ ...production(), KYC_PAYLOAD_KEYS: `k1:${counted.toString('base64')}` }), /KYC_PAYLOAD_KEYS: key "k1" repeats its bytes/);
    const passphrase = Buffer.from('our-company-secret-key-2026!!!!!').toString('base64');
    assert.match(refusal({ ...production(), KYC_PII_KEYS: `k1:${passphrase}` }), /KYC_PII_KEYS: key "k1" is encoded text/);
  });

  test('when a key does not decode to 32 bytes, then loading fails in any mode, naming the variable', () => {
    assert.match(refusal({ KYC_PII_KEYS: `k1:${randomBytes(16).toString('base64')}` }), /KYC_PII_KEYS: key "k1" must be 32 bytes/);
    assert.match(refusal({ KYC_PAYLOAD_KEYS: 'k1:not base64!' }), /KYC_PAYLOAD_KEYS: key "k1" must be 32 bytes/);
  });

  test('when a shared secret is short or predictable, then production refuses it naming the variable and the rule', () => {
    assert.match(refusal({ ...production(), JWT_SECRET: 'a'.repeat(16) }), /JWT_SECRET: must be at least 32 characters/);
    assert.match(refusal({ ...production(), JWT_SECRET: 'a'.repeat(64) }), /JWT_SECRET: is too predictable \(0\.00 bits per character/);
    assert.match(refusal({ ...production(), KYC_PII_HASH_KEY: 'passwordpasswordpasswordpassword' }), /KYC_PII_HASH_KEY: is too predictable/);
    assert.match(refusal({ ...production(), VERIFF_WEBHOOK_SECRET: 'short-but-random-7Hq' }), /VERIFF_WEBHOOK_SECRET: must be at least 32 characters/);
    assert.match(refusal({ ...production(), JWT_SECRET: development.JWT_SECRET }), /JWT_SECRET: the development secret is refused/);
    // Another variable's development value is no better.
    assert.match(refusal({ ...production(), KYC_PII_HASH_KEY: development.VERIFF_API_SECRET }), /KYC_PII_HASH_KEY: the development secret is refused/);
  });

  test('when production asks the codec to trust the local UI without a token, then it refuses to start', () => {
    assert.match(refusal({ ...production(), KYC_CODEC_LOCAL_UI: 'true' }), /KYC_CODEC_LOCAL_UI: must not be true in production/);
    assert.equal(loadConfig({ ...production(), KYC_CODEC_LOCAL_UI: 'false' }).KYC_CODEC_LOCAL_UI, 'false');
  });

  test("when production keeps customers' data keys in the main database, then it refuses to start", () => {
    assert.match(refusal({ ...production(), KYC_KEY_STORE_URL: undefined }), /KYC_KEY_STORE_URL: required in production/);
    assert.match(refusal({ ...production(), KYC_KEY_STORE_URL: 'postgresql://db/kyc' }), /KYC_KEY_STORE_URL: must name another database than DATABASE_URL/);
    assert.equal(development.KYC_KEY_STORE_URL, undefined, 'development keeps them in the main database');
  });

  test('when development runs with its own defaults, then none of this applies', () => {
    assert.equal(development.VERIFF_BASE_URL, 'http://localhost:8090');
    assert.equal(development.METRICS_HOST, '127.0.0.1');
  });
});

describe('secret strength', () => {
  test('when secrets are drawn at random in the usual encodings, then they are strong enough', () => {
    for (let i = 0; i < 200; i += 1) {
      for (const candidate of [randomBytes(32).toString('base64'), randomBytes(24).toString('hex'), randomUUID()]) {
        assert.equal(weakSecretReason(candidate), null, candidate);
      }
      assert.equal(weakKeyReason(randomBytes(32)), null);
    }
  });

  test('entropy per character is 0 for one repeated character and log2 of the alphabet for an even spread', () => {
    assert.equal(shannonEntropyPerChar('zzzzzzzz'), 0);
    assert.equal(shannonEntropyPerChar('abcdabcd'), 2);
    assert.equal(shannonEntropyPerChar(''), 0);
  });
});
