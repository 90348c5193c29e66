// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../infra/passwords';
import { startTestSystem, type TestSystem } from '../support/system';

// Customer registration tells nobody who is a customer: every registration gets the same answer,
// whether it created the account or named a username or e-mail address an account already holds
// (compared after Unicode NFKC and case folding, in the database too). It is throttled per client
// address and per name. Sign-in compares usernames the same way.

const PASSWORD = 'a long enough password';

// Each test registers from addresses of its own (the API trusts the loopback proxy's X-Forwarded-For).
let nextAddress = 1;
const freshAddress = () => `198.51.100.${nextAddress++}`;
const unique = () => randomUUID().slice(0, 8);

interface Answer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  json: Record<string, unknown>;
}

async function post(system: TestSystem, path: string, body: unknown, ip: string): Promise<Answer> {
  const response = await fetch(`${system.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });
  return { status: response.status, contentType: response.headers.get('content-type'), retryAfter: response.headers.get('retry-after'), json: (await response.json()) as Record<string, unknown> };
}

const register = (system: TestSystem, body: { username: string; email?: string; password?: string }, ip = freshAddress()) => post(system, '/api/auth/register/', { password: PASSWORD, ...body }, ip);
const logIn = (system: TestSystem, username: string, password = PASSWORD, ip = freshAddress()) => post(system, '/api/auth/login/', { username, password }, ip);
const conflicts = (system: TestSystem, userId: string) => system.db.securityEvent.findMany({ where: { type: 'registration_conflict', userId }, orderBy: { createdAt: 'asc' } });

describe('customer registration', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({ KYC_REGISTRATION_LIMIT_PER_IP: '3', KYC_REGISTRATION_LIMIT_PER_ADDRESS: '2' }, { worker: false });
  });
  after(async () => {
    await system?.stop();
  });

  test('when a username or e-mail address is taken in another case, then the answer is the one a new account gets, nothing is created, and the holder is on the security log', async () => {
    const name = `ada-${unique()}`;
    const email = `${name}@example.test`;
    const created = await register(system, { username: name, email });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const holder = await system.db.user.findUniqueOrThrow({ where: { username: name }, include: { wallet: true } });
    assert.equal(holder.role, 'customer');
    assert.ok(holder.wallet, 'a customer starts with a wallet');
    assert.equal((await logIn(system, name)).status, 200, 'the new customer signs in with the username and password');

    const sameUsername = await register(system, { username: name.toUpperCase(), email: `other-${unique()}@example.test` });
    const sameEmail = await register(system, { username: `grace-${unique()}`, email: email.toUpperCase() });
    for (const answer of [sameUsername, sameEmail]) assert.deepEqual(answer, created, 'a taken name answers exactly as a free one');
    assert.equal(await system.db.user.count({ where: { OR: [{ username: { equals: name, mode: 'insensitive' } }, { email: { equals: email, mode: 'insensitive' } }] } }), 1, 'nothing was created');
    assert.deepEqual(
      (await conflicts(system, holder.id)).map((e) => [e.route, e.status, e.details]),
      [
        ['/api/auth/register/', 202, { username: true, email: false }],
        ['/api/auth/register/', 202, { username: false, email: true }],
      ],
    );
    assert.equal((await logIn(system, name.toUpperCase(), 'not the password of the first account')).status, 401, 'the second registration set no password');
  });

  test('when two registrations of one username in different cases race, then exactly one account gets it', async () => {
    const name = `race-${unique()}`;
    const answers = await Promise.all([name, name.toUpperCase()].map((username) => register(system, { username })));
    assert.deepEqual(answers.map((a) => a.status), [202, 202]);
    assert.equal(await system.db.user.count({ where: { username: { equals: name, mode: 'insensitive' } } }), 1);
  });

  test('when a customer signs in with another case or width of the username, then it is their account, and the failed-sign-in throttle counts every variant as one name', async () => {
    const name = `lin-${unique()}`;
    assert.equal((await register(system, { username: name })).status, 202);
    const user = await system.db.user.findUniqueOrThrow({ where: { username: name } });
    const fullwidth = [...name].map((c) => (/[a-z0-9-]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('');
    for (const variant of [name.toUpperCase(), fullwidth]) {
      const signedIn = await logIn(system, variant);
      assert.equal(signedIn.status, 200, `${variant}: ${JSON.stringify(signedIn.json)}`);
      assert.equal(signedIn.json.user_id, user.id, variant);
    }
    // KYC_LOGIN_MAX_FAILURES (5) failures, each under another spelling and from another address.
    const spellings = [name, name.toUpperCase(), fullwidth, `${name[0]!.toUpperCase()}${name.slice(1)}`, name.toUpperCase().normalize('NFKD')];
    for (const spelling of spellings) assert.equal((await logIn(system, spelling, 'wrong password')).status, 401);
    const locked = await logIn(system, name.toUpperCase());
    assert.equal(locked.status, 429, 'the name is locked whatever its spelling');
  });

  test('when one client address registers too often, or one name is asked for too often from anywhere, then 429 problem+json with Retry-After, and nothing is created', async () => {
    const ip = freshAddress();
    const names = Array.from({ length: 4 }, () => `flood-${unique()}`);
    const answers = [];
    for (const username of names) answers.push(await register(system, { username }, ip));
    assert.deepEqual(answers.map((a) => a.status), [202, 202, 202, 429]);
    const refused = answers[3]!;
    assert.match(refused.contentType ?? '', /^application\/problem\+json/);
    assert.equal(refused.json.type, '/problems/rate-limited');
    const retryAfter = Number(refused.retryAfter);
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${refused.retryAfter}`);
    assert.equal(await system.db.user.count({ where: { username: names[3]! } }), 0);

    // KYC_REGISTRATION_LIMIT_PER_ADDRESS (2) per e-mail address, in any case, from any client.
    const email = `target-${unique()}@example.test`;
    const perAddress = [];
    for (const spelling of [email, email.toUpperCase(), email]) perAddress.push((await register(system, { username: `probe-${unique()}`, email: spelling })).status);
    assert.deepEqual(perAddress, [202, 202, 429]);
  });

  test('when a writer other than the API stores a name equal to another after NFKC and case folding, then the database refuses it', async () => {
    const name = `carol-${unique()}`;
    await system.db.user.create({ data: { username: name, email: `${name}@straße.example`, passwordHash: await hashPassword(PASSWORD) } });
    const fullwidthUpper = [...name.toUpperCase()].map((c) => (/[A-Z0-9-]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('');
    await assert.rejects(system.db.user.create({ data: { username: fullwidthUpper } }), (err: Error & { code?: string }) => err.code === 'P2002');
    await assert.rejects(system.db.user.create({ data: { username: `other-${unique()}`, email: `${name.toUpperCase()}@STRASSE.EXAMPLE` } }), (err: Error & { code?: string }) => err.code === 'P2002');
  });
});
