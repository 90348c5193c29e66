// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeyRing, PiiCipher } from '../../infra/crypto';
import { createStores } from '../../store';
import { PersonalData } from '../../store/personal-data';
import { insertRecord } from '../support/ops';
import { api, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';

// Key rotation without downtime, and the migration of rows from before subject keys. Data is
// written under an old ring key k1 (data keys wrapped by it, a subscription secret, and records
// sealed with k1 directly as 0.2.0 wrote them); the service then runs with k2 first and k1 still
// in the ring, and the rotation workflow re-seals and re-wraps everything in the background while
// the API keeps serving. When it is done k1 protects nothing, and the data opens without it.

const key = (id: string) => ({ id, key: randomBytes(32).toString('base64') });

describe('key rotation', () => {
  const k1 = key('k1');
  const k2 = key('k2');
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({ KYC_PII_KEYS: `${k2.id}:${k2.key},${k1.id}:${k1.key}` });
  });
  after(async () => {
    await system?.stop();
  });

  test('when a new key is first in the ring, then the rotation re-seals service-key rows under subject keys, re-wraps data keys and secrets under it, reports progress, and the old key retires', async () => {
    const old = new PiiCipher(new KeyRing([k1]), system.config.KYC_PII_HASH_KEY);
    const before = createStores(system.db, { cipher: old, keyStore: system.keyStore, amlRetentionYears: 5 });
    // Written as 0.2.0 did: columns sealed with the service key itself (two of them with k1).
    const legacy = await insertRecord(system, { status: 'approved' });
    await system.db.kycRecord.update({ where: { id: legacy.id }, data: { firstNameEnc: old.encrypt('Leopoldine'), lastNameEnc: old.encrypt('Marchbanks') } });
    // Written with subject keys while k1 was the current ring key.
    const customer = await createUser(system);
    const sealed = await before.personalData.seal(customer.id, 'Ambrosine Whitlock');
    await system.db.webhookSubscription.create({ data: { url: 'https://hooks.example.test/', eventTypes: ['KYC_VERIFIED'], secretEnc: old.encrypt('whsec_dGVzdA==') } });

    const admin = await createUser(system, 'admin');
    const auditor = await createUser(system, 'auditor');
    const usageBefore = await api(system, 'GET', '/api/admin/privacy/keys', { token: auditor.token });
    assert.equal(usageBefore.status, 200, usageBefore.text);
    const k1Before = (usageBefore.json.keys as { key_id: string; data_keys: number; service_key_ciphertexts: number; subscription_secrets: number; retirable: boolean }[]).find((k) => k.key_id === 'k1')!;
    assert.ok(k1Before.data_keys >= 1 && k1Before.service_key_ciphertexts === 2 && k1Before.subscription_secrets === 1 && !k1Before.retirable, JSON.stringify(k1Before));

    const started = await api(system, 'POST', '/api/admin/privacy/key-rotations', { token: admin.token });
    assert.equal(started.status, 202, started.text);
    // The API keeps serving while it runs: the summary of a customer reads their data.
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: customer.token })).status, 200);
    const done = await eventually(() => api(system, 'GET', '/api/admin/privacy/key-rotations/current', { token: auditor.token }), (r) => r.json.stage === 'done', 30_000, 'the rotation');
    assert.ok((done.json.resealed as number) >= 1 && (done.json.rewrapped as number) >= 1 && (done.json.secrets as number) === 1, JSON.stringify(done.json));
    const usage = done.json.usage as { key_id: string; current: boolean; retirable: boolean; data_keys: number }[];
    assert.deepEqual(usage.find((k) => k.key_id === 'k1'), { key_id: 'k1', current: false, data_keys: 0, service_key_ciphertexts: 0, subscription_secrets: 0, retirable: true });
    assert.equal(usage.find((k) => k.key_id === 'k2')?.current, true);

    // Without k1 in the ring at all, everything still opens.
    const onlyK2 = new PiiCipher(new KeyRing([k2]), system.config.KYC_PII_HASH_KEY);
    const after = createStores(system.db, { cipher: onlyK2, keyStore: system.keyStore, amlRetentionYears: 5 });
    assert.equal(await after.personalData.open(customer.id, sealed), 'Ambrosine Whitlock');
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: legacy.id } });
    assert.ok(!PersonalData.isServiceKeyCiphertext(record.firstNameEnc!), 'the legacy row is sealed with its customer key now');
    const application = await after.records.submittedApplication(record);
    assert.deepEqual([application.first_name, application.last_name, application.address_line_1], ['Leopoldine', 'Marchbanks', '123 Main St']);
    const subscription = await system.db.webhookSubscription.findFirstOrThrow();
    assert.equal(onlyK2.decrypt(subscription.secretEnc), 'whsec_dGVzdA==');
    const trail = await api(system, 'GET', '/api/admin/privacy/audit-events', { token: auditor.token });
    assert.ok((trail.json.items as { action: string }[]).some((e) => e.action === 'key_rotation'));
  });
});
