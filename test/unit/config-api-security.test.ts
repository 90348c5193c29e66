// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../domain/config';

// The settings of the external identity provider, the codec's CORS origins and the proxies trusted
// for client addresses.
describe('configuration of API security', () => {
  test('when nothing is set, then only our own tokens are accepted and the codec admits the local Temporal UI', () => {
    const config = loadConfig({});
    assert.equal(config.KYC_JWT_PUBLIC_KEY_URL, undefined);
    assert.equal(config.KYC_JWT_EXTERNAL_ROLE_CLAIM, 'kyc_role');
    assert.deepEqual(config.TEMPORAL_UI_ORIGIN, ['http://127.0.0.1:8233', 'http://localhost:8233']);
    assert.equal(config.KYC_TRUST_PROXY, 'loopback');
  });

  test('when a JWKS URL is set without the issuer and audience to expect, then loading fails naming both', () => {
    assert.throws(
      () => loadConfig({ KYC_JWT_PUBLIC_KEY_URL: 'https://idp.example/certs' }),
      (err: Error) => err instanceof ConfigError && /KYC_JWT_EXTERNAL_ISSUER/.test(err.message) && /KYC_JWT_EXTERNAL_AUDIENCE/.test(err.message),
    );
  });

  test("when the external issuer is our own, then loading fails: the issuer decides which key checks a token", () => {
    assert.throws(
      () => loadConfig({ KYC_JWT_PUBLIC_KEY_URL: 'https://idp.example/certs', KYC_JWT_EXTERNAL_ISSUER: 'kyc-service', KYC_JWT_EXTERNAL_AUDIENCE: 'kyc' }),
      /must differ from JWT_ISSUER/,
    );
  });

  test('when production fetches provider keys over plain http, then it refuses to start', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', KYC_JWT_PUBLIC_KEY_URL: 'http://idp.example/certs', KYC_JWT_EXTERNAL_ISSUER: 'https://idp.example/', KYC_JWT_EXTERNAL_AUDIENCE: 'kyc' }),
      /KYC_JWT_PUBLIC_KEY_URL: must be https in production/,
    );
  });

  test('when several UI origins are listed, then each is admitted', () => {
    assert.deepEqual(loadConfig({ TEMPORAL_UI_ORIGIN: 'https://temporal.example, https://ops.example' }).TEMPORAL_UI_ORIGIN, ['https://temporal.example', 'https://ops.example']);
  });
});
