// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { api, applicant, createUser, startTestSystem, type TestSystem } from '../support/system';

// A token says who the caller is; the account says, on every request, whether they may still act
// and as what. A deactivated, demoted or deleted account loses its rights with the next request,
// not when its token expires.

describe('tokens follow the account', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({}, { worker: false });
  });
  after(async () => {
    await system?.stop();
  });

  const sign = (claims: Record<string, unknown>, options: { expires?: boolean } = {}) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(system.config.JWT_ISSUER).setIssuedAt();
    if (options.expires !== false) jwt.setExpirationTime('10m');
    return jwt.sign(new TextEncoder().encode(system.config.JWT_SECRET));
  };

  test('when a customer is deactivated, then their token no longer starts a verification or reads anything', async () => {
    const customer = await createUser(system);
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: customer.token })).status, 200);
    await system.db.user.update({ where: { id: customer.id }, data: { isActive: false } });

    const start = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(start.status, 401, start.text);
    assert.equal(start.json.type, '/problems/invalid-token');
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: customer.token })).status, 401);
    assert.equal(await system.db.kycRecord.count({ where: { userId: customer.id } }), 0);
  });

  test('when an admin is demoted, then the same token is refused the admin statistics at once', async () => {
    const admin = await createUser(system, 'admin');
    assert.equal((await api(system, 'GET', '/api/admin/stats/daily/', { token: admin.token })).status, 200);
    // A change made straight in the database (no token version raised) still takes effect.
    await system.db.user.update({ where: { id: admin.id }, data: { role: 'reviewer' } });
    const refused = await api(system, 'GET', '/api/admin/stats/daily/', { token: admin.token });
    assert.equal(refused.status, 403, refused.text);
    assert.match(String(refused.json.detail), /reviewer role/);
    assert.equal((await api(system, 'GET', '/api/review/queue/', { token: admin.token })).status, 200, 'the token now acts as the reviewer it is');
  });

  test('when a user is deleted, then their token is refused', async () => {
    const auditor = await createUser(system, 'auditor');
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: auditor.token })).status, 200);
    await system.db.user.delete({ where: { id: auditor.id } });
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: auditor.token })).status, 401);
  });

  test("when the account's token version has been raised, then tokens issued before stay refused even once it is active again", async () => {
    const reviewer = await createUser(system, 'reviewer');
    await system.db.user.update({ where: { id: reviewer.id }, data: { isActive: false, tokenVersion: { increment: 1 } } });
    await system.db.user.update({ where: { id: reviewer.id }, data: { isActive: true } });
    assert.equal((await api(system, 'GET', '/api/review/queue/', { token: reviewer.token })).status, 401);
  });

  test('when a token has no expiry, then it is refused even though its signature and claims are right', async () => {
    const admin = await createUser(system, 'admin');
    const user = await system.db.user.findUniqueOrThrow({ where: { id: admin.id } });
    const claims = { sub: user.id, username: user.username, role: user.role, ver: user.tokenVersion };
    assert.equal((await api(system, 'GET', '/api/admin/security-events/', { token: await sign(claims) })).status, 200, 'the same claims with an expiry pass');
    const forever = await api(system, 'GET', '/api/admin/security-events/', { token: await sign(claims, { expires: false }) });
    assert.equal(forever.status, 401, forever.text);
    assert.equal(forever.json.type, '/problems/invalid-token');
  });
});
