// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { KeyRing, PiiCipher } from '../../infra/crypto';
import { createDb, type Db } from '../../infra/db';
import { PersonalData, SubjectErased } from '../../store/personal-data';
import { SubjectKeyStore } from '../../store/subject-keys';
import { createTestDatabase } from '../support/database';
import { piiFoundIn } from '../support/pii-search';

// The per-subject key API other stores adopt in one line (store/personal-data.ts): seal and open
// text and bytes with a customer's data key, on a real PostgreSQL key store.

const ringKey = (id: string) => ({ id, key: randomBytes(32).toString('base64') });

describe('personal data sealed with the data key of its subject', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  const k1 = ringKey('k1');
  const cipher = new PiiCipher(new KeyRing([k1]), 'hash-key');
  let personalData: PersonalData;

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 2);
    personalData = new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher);
  });
  after(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  test('when text is sealed, then it names its data key, hides the text and opens back for its subject only', async () => {
    const subject = randomUUID();
    const sealed = await personalData.seal(subject, 'Perpetua Ravensworth');
    assert.match(sealed, /^pd1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(piiFoundIn([sealed], ['Perpetua Ravensworth']), []);
    assert.equal(await personalData.open(subject, sealed), 'Perpetua Ravensworth');
    await assert.rejects(personalData.open(randomUUID(), sealed), /another subject/);
    const again = await personalData.seal(subject, 'Perpetua Ravensworth');
    assert.notEqual(again, sealed, 'a fresh IV each time');
    assert.equal(sealed.split('.')[1], again.split('.')[1], 'one key per subject');
  });

  test('when bytes (a document image) are sealed, then a Buffer comes back that opens to the same bytes', async () => {
    const subject = randomUUID();
    const image = randomBytes(4096);
    const sealed = await personalData.seal(subject, image);
    assert.ok(Buffer.isBuffer(sealed));
    assert.equal(sealed.subarray(0, 4).toString('latin1'), 'PD1\0');
    assert.equal(sealed.indexOf(image.subarray(0, 64)), -1);
    assert.deepEqual(await personalData.open(subject, sealed), image);
    const tampered = Buffer.from(sealed);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1);
    await assert.rejects(personalData.open(subject, tampered));
  });

  test('when a subject key is destroyed, then nothing it sealed opens, in this process or any other, and nothing new is sealed for that subject', async () => {
    const subject = randomUUID();
    const text = await personalData.seal(subject, 'Octavian Quellmere');
    const bytes = await personalData.seal(subject, Buffer.from('scan'));
    const other = new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher);
    assert.equal(await other.open(subject, text), 'Octavian Quellmere', 'another process reads it while the key lives');
    await personalData.destroy(subject, ['personal']);
    await assert.rejects(personalData.open(subject, text), SubjectErased);
    await assert.rejects(personalData.open(subject, bytes), SubjectErased);
    await assert.rejects(new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher).open(subject, text), SubjectErased);
    await assert.rejects(personalData.seal(subject, 'new data'), SubjectErased);
    const row = await db.subjectKey.findUniqueOrThrow({ where: { subjectId_purpose: { subjectId: subject, purpose: 'personal' } } });
    assert.deepEqual([row.wrappedKey, row.ringKeyId, row.destroyedAt !== null], [null, null, true], 'a tombstone, no key material');
  });

  test('when kept data is re-sealed under the retained key, then destroying the personal key leaves it readable until the retained key goes too', async () => {
    const subject = randomUUID();
    const sealed = await personalData.seal(subject, 'Wilhelmina Stormcrest');
    const kept = await personalData.reseal(subject, sealed, 'retained');
    await personalData.destroy(subject, ['personal']);
    await assert.rejects(personalData.open(subject, sealed), SubjectErased);
    assert.equal(await personalData.open(subject, kept), 'Wilhelmina Stormcrest');
    await personalData.destroy(subject, ['retained']);
    await assert.rejects(personalData.open(subject, kept), SubjectErased);
  });

  test('when a value was written before subject keys (service-key ciphertext), then it still opens, and nothing else pretends to be sealed', async () => {
    const legacy = cipher.encrypt('Bartholomew Ashgrove');
    assert.ok(PersonalData.isServiceKeyCiphertext(legacy));
    assert.equal(await personalData.open(randomUUID(), legacy), 'Bartholomew Ashgrove');
    await assert.rejects(personalData.open(randomUUID(), 'pd1.not-a-key.abc'), /no subject key|invalid input syntax|uuid/i);
    await assert.rejects(personalData.open(randomUUID(), Buffer.from('not sealed')), /not sealed/);
  });

  test('when a wrapped key is copied onto another row, then it does not unwrap (the row is its associated data)', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await personalData.seal(a, 'x');
    const sealedForB = await personalData.seal(b, 'y');
    const where = (subjectId: string) => ({ subjectId_purpose: { subjectId, purpose: 'personal' } });
    const rowA = await db.subjectKey.findUniqueOrThrow({ where: where(a) });
    const rowB = await db.subjectKey.findUniqueOrThrow({ where: where(b) });
    await db.subjectKey.update({ where: where(b), data: { wrappedKey: rowA.wrappedKey } });
    await assert.rejects(new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher).open(b, sealedForB));
    await db.subjectKey.update({ where: where(b), data: { wrappedKey: rowB.wrappedKey } });
    assert.equal(await new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher).open(b, sealedForB), 'y');
  });

  test('when the ring gets a new current key, then keys re-wrap under it in batches and the old ring key protects nothing', async () => {
    const subject = randomUUID();
    const sealed = await personalData.seal(subject, 'Cornelius Thistledown');
    const k2 = ringKey('k2');
    const rotated = new PiiCipher(new KeyRing([k2, k1]), 'hash-key');
    const keys = new SubjectKeyStore(db, rotated.ring);
    assert.ok((await keys.ringKeyUsage()).k1! > 0);
    while ((await keys.rewrapBatch(2)) > 0);
    assert.deepEqual(Object.keys(await keys.ringKeyUsage()), ['k2']);
    const onlyK2 = new PiiCipher(new KeyRing([k2]), 'hash-key');
    assert.equal(await new PersonalData(new SubjectKeyStore(db, onlyK2.ring), onlyK2).open(subject, sealed), 'Cornelius Thistledown', 'k1 can leave the ring');
  });
});
