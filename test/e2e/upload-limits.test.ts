// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import sharp from 'sharp';
import { generateSpecimen } from '../../document-check/specimens';
import { UploadLimitReached } from '../../store/documents';
import { fileForm } from '../support/documents';
import { createUser, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// What a customer may make the service keep (POST /v1/kyc/files, the applications API's uploads):
// the picture alone, within the pixel limit, a few uploads waiting at a time, and so many uploads
// per hour per customer and per address. Clients are told apart by X-Forwarded-For (the test client
// is on loopback, the proxy the app trusts), each test using addresses of its own.

const WAITING_MAX = 2;
const PER_CUSTOMER = 5;
const PER_ADDRESS = 6;
const JPEG_END = Buffer.from([0xff, 0xd9]);

describe('uploads ahead of an application: what is kept, and how much', () => {
  let system: TestSystem;
  const used = new Set<string>();
  const freshAddress = () => {
    let address = `203.0.113.${randomInt(1, 255)}`;
    while (used.has(address)) address = `203.0.113.${randomInt(1, 255)}`;
    used.add(address);
    return address;
  };

  const upload = async (user: TestUser, bytes: Buffer, address: string, type = 'image/jpeg') => {
    const response = await fetch(`${system.apiUrl}/v1/kyc/files`, {
      method: 'POST',
      body: fileForm({ kind: 'front' }, { field: 'file', bytes, type }),
      headers: { authorization: `Bearer ${user.token}`, 'x-forwarded-for': address },
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), json: (await response.json()) as Record<string, unknown> };
  };
  // A different small photo each time (same bytes would be the same file).
  let shade = 0;
  const photo = () => {
    shade += 1;
    return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: (shade * 53) % 256, g: (shade * 97) % 256, b: 40 } } }).jpeg().toBuffer();
  };
  const stored = (ownerId: string) => system.db.document.count({ where: { ownerId } });

  before(async () => {
    system = await startTestSystem({
      KYC_UPLOADS_WAITING_MAX: String(WAITING_MAX),
      KYC_UPLOADS_PER_HOUR_PER_CUSTOMER: String(PER_CUSTOMER),
      KYC_UPLOADS_PER_HOUR_PER_IP: String(PER_ADDRESS),
    });
  });
  after(async () => {
    await system?.stop();
  });

  test('when a JPEG carries 9.5 MB after its end and an HTML page, then what is stored and answered is the picture alone', async () => {
    const user = await createUser(system);
    const { image } = await generateSpecimen({ kind: 'passport', seed: 31 });
    const page = Buffer.from('<html><body><script>fetch("/api/auth/login/")</script></body></html>');
    const padded = Buffer.concat([image, page, Buffer.alloc(9.5 * 1024 * 1024, 0x41)]);
    const answer = await upload(user, padded, freshAddress());
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
    const kept = await system.stores.documents.content(String(answer.json.file_id));
    assert.ok(kept);
    assert.equal(answer.json.size, kept.bytes.length);
    assert.ok(kept.bytes.length < image.length * 1.1, `kept ${kept.bytes.length} bytes of an upload of ${padded.length} whose picture is ${image.length}`);
    assert.deepEqual(kept.bytes.subarray(-2), JPEG_END);
    assert.equal(kept.bytes.indexOf('<html'), -1);
    assert.equal(kept.bytes.indexOf(Buffer.alloc(64, 0x41)), -1);
    assert.deepEqual([answer.json.width, answer.json.height], [(await sharp(image).metadata()).width, (await sharp(image).metadata()).height]);
  });

  test('when a 128 kB PNG decodes to 36 megapixels, then it is refused 413 naming the pixel rule and nothing is stored', async () => {
    const user = await createUser(system);
    const huge = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#ffffff' } }).png({ compressionLevel: 9 }).toBuffer();
    const answer = await upload(user, huge, freshAddress(), 'image/png');
    assert.equal(answer.status, 413, JSON.stringify(answer.json));
    assert.match(answer.contentType, /application\/problem\+json/);
    assert.deepEqual((answer.json.errors as Array<{ field: string; rule: string }>).map(({ field, rule }) => ({ field, rule })), [{ field: 'file', rule: 'too_many_pixels' }]);
    assert.equal(await stored(user.id), 0);
  });

  test('when a customer has as many uploads waiting as allowed, then a new one is refused 409 naming the rule, and the same file again is still the file it was', async () => {
    const user = await createUser(system);
    const address = freshAddress();
    const first = await photo();
    for (const bytes of [first, await photo()]) assert.equal((await upload(user, bytes, address)).status, 201);
    const refused = await upload(user, await photo(), address);
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.match(refused.contentType, /application\/problem\+json/);
    assert.deepEqual((refused.json.errors as Array<{ field: string; rule: string }>).map(({ field, rule }) => ({ field, rule })), [{ field: 'file', rule: 'waiting_uploads' }]);
    assert.equal((await upload(user, first, address)).status, 201, 'an upload already kept is answered, not counted again');
    assert.equal(await stored(user.id), WAITING_MAX);
  });

  test('when a customer sends more uploads at once than may wait, then exactly as many as allowed are kept', async () => {
    const user = await createUser(system);
    const address = freshAddress();
    const images = await Promise.all([photo(), photo(), photo(), photo()]);
    const answers = await Promise.all(images.map((bytes) => upload(user, bytes, address)));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 201, 409, 409]);
    assert.equal(await stored(user.id), WAITING_MAX);
  });

  test('when many uploads of one customer reach the store at once, then no more than allowed are kept', async () => {
    const user = await createUser(system);
    const image = { contentType: 'image/jpeg' as const, width: 640, height: 480 };
    const limits = { waiting: WAITING_MAX, perAttempt: 100 };
    const contents = await Promise.all(Array.from({ length: 12 }, () => photo()));
    const outcomes = await Promise.allSettled(contents.map((content) => system.stores.documents.saveUpload({ ownerId: user.id, recordId: null, attempt: null, kind: 'front', content, image, limits })));
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, WAITING_MAX);
    assert.ok(outcomes.every((outcome) => outcome.status === 'fulfilled' || outcome.reason instanceof UploadLimitReached));
    assert.equal(await stored(user.id), WAITING_MAX);
  });

  test('when a customer sends more uploads in an hour than allowed, then the next is 429 with Retry-After naming the rule', async () => {
    const user = await createUser(system);
    const address = freshAddress();
    // The same file: counted each time, kept once (so the waiting limit does not answer first).
    const bytes = await photo();
    for (let sent = 0; sent < PER_CUSTOMER; sent += 1) assert.equal((await upload(user, bytes, address)).status, 201);
    const refused = await upload(user, bytes, address);
    assert.equal(refused.status, 429, JSON.stringify(refused.json));
    assert.match(refused.contentType, /application\/problem\+json/);
    assert.equal(refused.json.rule, 'uploads_per_customer');
    assert.ok(Number(refused.retryAfter) >= 1, `Retry-After: ${refused.retryAfter}`);
    assert.equal(refused.json.retry_after, Number(refused.retryAfter));
  });

  test('when accounts share an address, then its uploads together are limited per hour, naming the address rule', async () => {
    const address = freshAddress();
    const [one, two] = [await createUser(system), await createUser(system)];
    const bytes = await photo();
    for (let sent = 0; sent < PER_ADDRESS; sent += 1) assert.equal((await upload(sent % 2 ? two : one, bytes, address)).status, 201);
    const refused = await upload(await createUser(system), bytes, address);
    assert.equal(refused.status, 429, JSON.stringify(refused.json));
    assert.equal(refused.json.rule, 'uploads_per_address');
    assert.ok(Number(refused.retryAfter) >= 1);
    const elsewhere = await upload(await createUser(system), bytes, freshAddress());
    assert.equal(elsewhere.status, 201, 'another address is not limited');
  });
});
