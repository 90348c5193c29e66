// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { api, createUser, SAMPLE_APPLICATION, startTestSystem, type TestSystem } from '../support/system';

// Tokens of an external identity provider, checked against its JWKS (served here by a local
// server, as an OIDC provider publishes it), are accepted next to our own; each subject becomes a
// local user on first sight.

const ISSUER = 'https://idp.example.test/realms/kyc';
const AUDIENCE = 'kyc-api';
const KEY_ID = 'idp-key-1';

describe('tokens of an external identity provider (JWKS)', () => {
  let system: TestSystem;
  let jwksServer: http.Server;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;

  const idpToken = (claims: JWTPayload & { sub?: string }, options: { key?: CryptoKey; kid?: string; issuer?: string; audience?: string; expiresIn?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KEY_ID })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject(claims.sub ?? randomUUID())
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? signingKey);

  const userOf = (subject: string) => system.db.user.findUnique({ where: { externalIssuer_externalSubject: { externalIssuer: ISSUER, externalSubject: subject } }, include: { wallet: true } });

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((req, res) => {
      if (req.url !== '/protocol/openid-connect/certs') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/protocol/openid-connect/certs`;
    system = await startTestSystem({ KYC_JWT_PUBLIC_KEY_URL: jwksUrl, KYC_JWT_EXTERNAL_ISSUER: ISSUER, KYC_JWT_EXTERNAL_AUDIENCE: AUDIENCE });
  });
  after(async () => {
    await system?.stop();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  test('when a person without a role claim calls for the first time, then a customer with a wallet is created once and can start a verification', async () => {
    const subject = randomUUID();
    const token = await idpToken({ sub: subject, email: 'ada@example.test' });
    const summary = await api(system, 'GET', '/api/kyc/summary/', { token });
    assert.equal(summary.status, 200, summary.text);
    assert.equal(summary.json.scope, 'own');
    const user = await userOf(subject);
    assert.equal(user?.role, 'customer');
    assert.ok(user?.wallet, 'customers get a wallet');
    assert.equal(user?.passwordHash, null);

    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token, body: SAMPLE_APPLICATION });
    assert.equal(started.status, 201, started.text);
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: started.json.id as string } })).userId, user!.id);
    await api(system, 'GET', '/api/kyc/summary/', { token: await idpToken({ sub: subject }) });
    assert.equal(await system.db.user.count({ where: { externalSubject: subject } }), 1);
  });

  test('when the token carries a role claim, then the user has that role, and follows it when the provider changes it', async () => {
    const subject = randomUUID();
    const asAuditor = await idpToken({ sub: subject, kyc_role: 'auditor' });
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: asAuditor })).status, 200);
    assert.equal((await api(system, 'POST', '/api/kyc/records/start_verification/', { token: asAuditor, body: SAMPLE_APPLICATION })).status, 403);
    assert.equal((await userOf(subject))?.role, 'auditor');

    const asReviewer = await idpToken({ sub: subject, kyc_role: ['offline_access', 'reviewer'] });
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: asReviewer })).status, 403);
    assert.equal((await userOf(subject))?.role, 'reviewer');

    // Without the claim, the role the user has here stays.
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: await idpToken({ sub: subject }) })).json.scope, 'all');
    assert.equal((await userOf(subject))?.role, 'reviewer');
  });

  test('when the provider creates an account and its role claim changes the role, then each is on the account trail with the provider as the actor', async () => {
    const subject = randomUUID();
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: await idpToken({ sub: subject, kyc_role: 'auditor' }) })).status, 200);
    const user = (await userOf(subject))!;
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: await idpToken({ sub: subject, kyc_role: 'reviewer' }) })).status, 200);
    // The same claim again, and no claim: nothing changes, nothing is added to the trail.
    await api(system, 'GET', '/api/kyc/summary/', { token: await idpToken({ sub: subject, kyc_role: 'reviewer' }) });
    await api(system, 'GET', '/api/kyc/summary/', { token: await idpToken({ sub: subject }) });
    assert.equal((await userOf(subject))?.role, 'reviewer');

    const trail = await system.db.userAuditEvent.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(
      trail.map((e) => [e.action, e.fromRole, e.toRole, e.actorId, e.actorProvider]),
      [
        ['created', null, 'auditor', null, ISSUER],
        ['role_changed', 'auditor', 'reviewer', null, ISSUER],
      ],
    );
    assert.match(trail[1]!.reason, /kyc_role claim .* names reviewer/);
    assert.equal((await userOf(subject))?.tokenVersion, user.tokenVersion + 1, 'a role change raises the token version, as every role change does');

    // Admins read it on the trail as any other change.
    const admin = await createUser(system, 'admin');
    const changes = await api(system, 'GET', `/api/admin/user-changes?user_id=${user.id}`, { token: admin.token });
    assert.equal(changes.status, 200, changes.text);
    assert.deepEqual(
      (changes.json.items as { action: string; actor_id: string | null; actor_provider: string | null }[]).map((c) => [c.action, c.actor_id, c.actor_provider]),
      [
        ['role_changed', null, ISSUER],
        ['created', null, ISSUER],
      ],
    );
  });

  test('when a token is not exactly what the provider issues for us, then it is refused with 401 and logged as an auth failure', async () => {
    const subject = randomUUID();
    const hs256 = await new SignJWT({ kyc_role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(subject)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(system.config.JWT_SECRET));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: subject, exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url')}.`;
    const refused: Record<string, string> = {
      'another audience': await idpToken({ sub: subject }, { audience: 'someone-else' }),
      'another issuer': await idpToken({ sub: subject }, { issuer: 'https://evil.example.test/' }),
      expired: await idpToken({ sub: subject }, { expiresIn: '-1m' }),
      'a key the provider does not publish': await idpToken({ sub: subject }, { key: strangerKey }),
      'an unknown key id': await idpToken({ sub: subject }, { key: strangerKey, kid: 'other-key' }),
      'HS256 with our own secret (algorithm confusion)': hs256,
      'alg none': unsigned,
      'a role we do not have': await idpToken({ sub: subject, kyc_role: 'superuser' }),
    };
    const before = await system.db.securityEvent.count({ where: { type: 'auth_failure' } });
    for (const [why, token] of Object.entries(refused)) {
      const response = await api(system, 'GET', '/api/kyc/summary/', { token });
      assert.equal(response.status, 401, `${why}: ${response.text}`);
    }
    assert.equal(await userOf(subject), null, 'no user is created from a refused token');
    assert.equal(await system.db.securityEvent.count({ where: { type: 'auth_failure' } }), before + Object.keys(refused).length);
  });

  test('when local accounts log in next to the provider, then their own tokens still work', async () => {
    const local = await createUser(system, 'admin');
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: local.token })).status, 200);
  });

  test('when a local user is deactivated, then the provider token of the same person no longer gets in', async () => {
    const subject = randomUUID();
    const token = await idpToken({ sub: subject });
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token })).status, 200);
    await system.db.user.update({ where: { id: (await userOf(subject))!.id }, data: { isActive: false } });
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token })).status, 401);
  });
});
