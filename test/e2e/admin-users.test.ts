// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, createUser, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// Staff account management: admins create staff accounts, change roles, deactivate and reactivate
// accounts, each change with a reason on an append-only trail; nobody changes their own role, a
// customer never becomes staff, and the last active admin cannot be removed, even by two admins
// removing each other at the same moment.

const PASSWORD = 'a long first password';

describe('staff account management', () => {
  let system: TestSystem;
  let admin: TestUser;
  let auditor: TestUser;

  const signIn = (username: string, password = PASSWORD) => api(system, 'POST', '/api/auth/login/', { body: { username, password }, headers: { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` } });
  const patch = (actor: TestUser, id: string, body: unknown) => api(system, 'PATCH', `/api/admin/users/${id}`, { token: actor.token, body });
  const changesOf = async (userId: string) => {
    const response = await api(system, 'GET', `/api/admin/user-changes?user_id=${userId}`, { token: auditor.token });
    assert.equal(response.status, 200, response.text);
    return response.json.items as { action: string; from_role: string | null; to_role: string | null; reason: string; actor_id: string; actor_username: string; username: string }[];
  };

  before(async () => {
    system = await startTestSystem({}, { worker: false });
    admin = await createUser(system, 'admin');
    auditor = await createUser(system, 'auditor');
  });
  after(async () => {
    await system?.stop();
  });

  async function createStaff(role: string, actor = admin) {
    const username = `staff-${randomUUID().slice(0, 8)}`;
    const response = await api(system, 'POST', '/api/admin/users', { token: actor.token, body: { username, password: PASSWORD, role, reason: 'joins the team (ticket OPS-1)' } });
    assert.equal(response.status, 201, response.text);
    return { id: response.json.id as string, username };
  }

  test('when an admin creates a staff account with a reason, then the person can sign in with that role and the trail names who, what and why', async () => {
    const created = await createStaff('reviewer');
    const session = await signIn(created.username);
    assert.equal(session.status, 200, session.text);
    assert.equal(session.json.role, 'reviewer');
    assert.deepEqual(
      (await changesOf(created.id)).map((c) => [c.action, c.to_role, c.reason, c.actor_id, c.actor_username, c.username]),
      [['created', 'reviewer', 'joins the team (ticket OPS-1)', admin.id, admin.username, created.username]],
    );
    const listed = await api(system, 'GET', '/api/admin/users?scope=staff&limit=100', { token: auditor.token });
    assert.equal(listed.status, 200, listed.text);
    const entry = (listed.json.items as { id: string; role: string; is_active: boolean }[]).find((u) => u.id === created.id);
    assert.deepEqual(entry && [entry.role, entry.is_active], ['reviewer', true]);
    assert.ok(!listed.text.includes('password'), 'no password hash is listed');
  });

  test('when a change has no reason or nothing to change, then it is refused with field errors naming the field', async () => {
    const target = await createStaff('reviewer');
    const noReason = await patch(admin, target.id, { role: 'senior_reviewer' });
    assert.equal(noReason.status, 422);
    assert.deepEqual((noReason.json.errors as { field: string }[]).map((e) => e.field), ['reason']);
    const blank = await patch(admin, target.id, { is_active: false, reason: '   ' });
    assert.equal(blank.status, 422);
    assert.deepEqual((blank.json.errors as { field: string }[]).map((e) => e.field), ['reason']);
    const nothing = await patch(admin, target.id, { reason: 'no idea' });
    assert.equal(nothing.status, 422);
    assert.deepEqual((nothing.json.errors as { field: string; message: string }[]).map((e) => [e.field, e.message]), [['role', 'give role, is_active or both']]);
    const customerRole = await patch(admin, target.id, { role: 'customer', reason: 'demote to customer' });
    assert.equal(customerRole.status, 422);
    const createWithoutReason = await api(system, 'POST', '/api/admin/users', { token: admin.token, body: { username: `x-${randomUUID().slice(0, 8)}`, password: PASSWORD, role: 'auditor' } });
    assert.equal(createWithoutReason.status, 422);
    assert.equal((await patch(admin, randomUUID(), { is_active: false, reason: 'who is this' })).status, 404);
    assert.deepEqual((await changesOf(target.id)).map((c) => c.action), ['created']);
  });

  test("when an admin changes a reviewer's role, then the reviewer's old token is refused at once and a new sign-in carries the new role", async () => {
    const target = await createStaff('reviewer');
    const before = await signIn(target.username);
    const oldToken = before.json.access as string;
    assert.equal((await api(system, 'GET', '/api/review/queue/', { token: oldToken })).status, 200);

    const changed = await patch(admin, target.id, { role: 'senior_reviewer', reason: 'passed the senior training' });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.role, 'senior_reviewer');
    assert.equal((await api(system, 'GET', '/api/review/queue/', { token: oldToken })).status, 401);
    assert.equal((await signIn(target.username)).json.role, 'senior_reviewer');
    const [latest] = await changesOf(target.id);
    assert.deepEqual(latest && [latest.action, latest.from_role, latest.to_role, latest.reason, latest.actor_id], ['role_changed', 'reviewer', 'senior_reviewer', 'passed the senior training', admin.id]);
  });

  test('when an account is deactivated, then its token and its password stop working; reactivated, it signs in again but the old token stays dead', async () => {
    const target = await createStaff('auditor');
    const oldToken = (await signIn(target.username)).json.access as string;
    assert.equal((await patch(admin, target.id, { is_active: false, reason: 'left the company' })).json.is_active, false);
    assert.equal((await api(system, 'GET', '/api/admin/users', { token: oldToken })).status, 401);
    assert.equal((await signIn(target.username)).status, 401);

    assert.equal((await patch(admin, target.id, { is_active: true, reason: 'rehired' })).status, 200);
    assert.equal((await api(system, 'GET', '/api/admin/users', { token: oldToken })).status, 401);
    const fresh = await signIn(target.username);
    assert.equal(fresh.status, 200);
    assert.equal((await api(system, 'GET', '/api/admin/users', { token: fresh.json.access as string })).status, 200);
    assert.deepEqual((await changesOf(target.id)).map((c) => [c.action, c.reason]), [['activated', 'rehired'], ['deactivated', 'left the company'], ['created', 'joins the team (ticket OPS-1)']]);
  });

  test('when an admin tries to change their own role or deactivate themselves, then it is refused with 409 and nothing changes', async () => {
    const self = await createUser(system, 'admin');
    for (const body of [{ role: 'auditor', reason: 'stepping back' }, { is_active: false, reason: 'leaving' }]) {
      const refused = await patch(self, self.id, body);
      assert.equal(refused.status, 409, refused.text);
      assert.match(String(refused.json.detail), /your own/);
    }
    const still = await system.db.user.findUniqueOrThrow({ where: { id: self.id } });
    assert.deepEqual([still.role, still.isActive], ['admin', true]);
    assert.deepEqual(await changesOf(self.id), []);
  });

  test('when an admin tries to give a customer a staff role, then it is refused; deactivating a customer is allowed', async () => {
    const customer = await createUser(system, 'customer');
    assert.equal((await patch(admin, customer.id, { role: 'admin', reason: 'promote' })).status, 409);
    assert.equal((await patch(admin, customer.id, { is_active: false, reason: 'fraud investigation case 7' })).status, 200);
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: customer.token })).status, 401);
  });

  test('when the trail is changed behind the API, then the database refuses', async () => {
    const target = await createStaff('reviewer');
    await assert.rejects(system.db.userAuditEvent.updateMany({ where: { userId: target.id }, data: { reason: 'rewritten' } }), /append-only/);
    await assert.rejects(system.db.userAuditEvent.deleteMany({ where: { userId: target.id } }), /append-only/);
  });

  test('when two admins remove each other at the same moment, then exactly one succeeds and one active admin remains', async () => {
    await system.db.user.updateMany({ where: { role: 'admin' }, data: { isActive: false } });
    for (let round = 0; round < 5; round += 1) {
      const first = await createUser(system, 'admin');
      const second = await createUser(system, 'admin');
      const [a, b] = await Promise.all([
        patch(first, second.id, round % 2 ? { is_active: false, reason: 'race' } : { role: 'reviewer', reason: 'race' }),
        patch(second, first.id, { is_active: false, reason: 'race' }),
      ]);
      const statuses = [a.status, b.status].sort();
      assert.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${a.status} ${a.text} / ${b.status} ${b.text}`);
      assert.ok([401, 403, 409].includes(statuses.find((s) => s !== 200)!), `round ${round}: ${statuses.join(',')}`);
      assert.equal(await system.db.user.count({ where: { role: 'admin', isActive: true } }), 1, `round ${round}`);
      await system.db.user.updateMany({ where: { role: 'admin' }, data: { isActive: false } });
    }
  });

  test('when the only active admin tries to remove themselves, then it is refused, so an admin always remains', async () => {
    await system.db.user.updateMany({ where: { role: 'admin' }, data: { isActive: false } });
    const last = await createUser(system, 'admin');
    assert.equal((await patch(last, last.id, { is_active: false, reason: 'bye' })).status, 409);
    assert.equal(await system.db.user.count({ where: { role: 'admin', isActive: true } }), 1);
  });

});
