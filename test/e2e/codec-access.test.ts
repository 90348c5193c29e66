// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createApp } from '../../api/app';
import { createLogger } from '../../infra/logger';
import { EncryptionCodec } from '../../infra/payload-codec';
import { createUser, startTestSystem, type TestSystem } from '../support/system';

// Who may ask the codec to decrypt workflow payloads. Development: the local Temporal UI, which
// sends no token (npm start), from this machine only. Production: the UI's OIDC login forwards the
// person's access token, checked against the same JWKS as the API; admins and auditors only.

const UI_ORIGIN = 'http://127.0.0.1:8233';
const ISSUER = 'https://idp.example.test/realms/kyc';
const AUDIENCE = 'kyc-api';
const KEY_ID = 'idp-key-1';

const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

describe('who the codec decodes for', () => {
  let system: TestSystem;
  let jwksServer: http.Server;
  let signingKey: CryptoKey;
  let sealed: ReturnType<typeof toJson>;
  const secret = { applicant: 'Jane Roe', document: `P${randomUUID().slice(0, 8)}` };

  const idpToken = (claims: JWTPayload, expiresIn = '5m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KEY_ID }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(randomUUID()).setIssuedAt().setExpirationTime(expiresIn).sign(signingKey);

  const decode = (options: { origin?: string; token?: string; headers?: Record<string, string>; path?: string; baseUrl?: string } = {}) =>
    fetch(`${options.baseUrl ?? system.apiUrl}/codec/${options.path ?? 'decode'}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': system.config.TEMPORAL_NAMESPACE,
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ payloads: [sealed] }),
    });

  const decodedSecret = async (response: Response) => {
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    const [payload] = body.payloads;
    return defaultPayloadConverter.fromPayload({
      metadata: Object.fromEntries(Object.entries(payload!.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
      data: Buffer.from(payload!.data, 'base64'),
    });
  };

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signingKey = pair.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    system = await startTestSystem(
      { KYC_CODEC_LOCAL_UI: 'true', KYC_CODEC_ENCODE: 'true', KYC_JWT_PUBLIC_KEY_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/certs`, KYC_JWT_EXTERNAL_ISSUER: ISSUER, KYC_JWT_EXTERNAL_AUDIENCE: AUDIENCE },
      { worker: false },
    );
    const [payload] = await new EncryptionCodec(system.config.KYC_PAYLOAD_KEYS, { acceptPlaintext: false }).encode([defaultPayloadConverter.toPayload(secret)]);
    sealed = toJson(payload!);
  });
  after(async () => {
    await system?.stop();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  test('when the local Temporal UI asks from this machine without a token, then the payload is decoded (development)', async () => {
    assert.deepEqual(await decodedSecret(await decode({ origin: UI_ORIGIN })), secret);
    const preflight = await fetch(`${system.apiUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
  });

  test('when the tokenless request is not exactly the local UI, then it is refused like any request without a token', async () => {
    for (const [what, options] of [
      ['no Origin', {}],
      ['another origin', { origin: 'http://evil.example' }],
      ['forwarded by a proxy', { origin: UI_ORIGIN, headers: { 'x-forwarded-for': '198.51.100.9' } }],
      ['forwarded (RFC 7239)', { origin: UI_ORIGIN, headers: { forwarded: 'for=198.51.100.9' } }],
      ['encoding, not decoding', { origin: UI_ORIGIN, path: 'encode' }],
    ] as const) {
      const response = await decode(options);
      assert.equal(response.status, 401, `${what}: ${await response.text()}`);
    }
  });

  test('when the settings are off (the default outside development), then the local UI needs a token too, and nobody may encode', async () => {
    const config = { ...system.config, KYC_CODEC_LOCAL_UI: 'false' as const, KYC_CODEC_ENCODE: 'false' as const };
    const server = http.createServer(createApp({ db: system.db, temporal: system.client, cipher: system.cipher, config, logger: createLogger('error', {}, () => undefined) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await decode({ origin: UI_ORIGIN, baseUrl });
      assert.equal(response.status, 401);
      // Encoding writes payloads the workers trust: not offered at all.
      const admin = await createUser(system, 'admin');
      const encode = await fetch(`${baseUrl}/codec/encode`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [] }) });
      assert.equal(encode.status, 404, await encode.text());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("when the UI forwards a person's token from its OIDC login, then admins and auditors get the payload decoded and other roles are refused", async () => {
    const preflight = await fetch(`${system.apiUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    for (const role of ['admin', 'auditor']) {
      assert.deepEqual(await decodedSecret(await decode({ origin: UI_ORIGIN, token: await idpToken({ kyc_role: role }) })), secret, role);
    }
    for (const role of ['reviewer', 'senior_reviewer', undefined]) {
      const response = await decode({ origin: UI_ORIGIN, token: await idpToken(role ? { kyc_role: role } : {}) });
      assert.equal(response.status, 403, `${role ?? 'customer'}: ${await response.text()}`);
    }
    assert.equal((await decode({ origin: UI_ORIGIN, token: await idpToken({ kyc_role: 'admin' }, '-1m') })).status, 401, 'an expired token');
    // Our own tokens work the same way (the CLI and scripts).
    const auditor = await createUser(system, 'auditor');
    assert.deepEqual(await decodedSecret(await decode({ token: auditor.token })), secret);
  });
});
