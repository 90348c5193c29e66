// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSpecimen } from '../../document-check/specimens';
import { fileForm, postForm } from '../support/documents';
import { api, createUser, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// POST /api/v1/verify on a running system: the engine's contract for staff and service accounts
// (API keys), refused to customers and anonymous callers, errors as problem+json with `message`.

function assertProblem(answer: { status: number; contentType: string; json: Record<string, unknown>; text: string }, status: number) {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.contentType, /^application\/problem\+json/);
  assert.equal(answer.json.status, status);
  assert.equal(typeof answer.json.message, 'string', 'the contract reads the error text from message');
}

describe('the document-check contract (POST /api/v1/verify)', () => {
  let system: TestSystem;
  let reviewer: TestUser;
  let admin: TestUser;
  let genuine: Awaited<ReturnType<typeof generateSpecimen>>;
  before(async () => {
    system = await startTestSystem({}, { worker: false });
    [reviewer, admin] = await Promise.all([createUser(system, 'reviewer'), createUser(system, 'admin')]);
    genuine = await generateSpecimen({ kind: 'passport', variant: 'genuine', seed: 11 });
  });
  after(async () => {
    await system?.stop();
  });

  const formOf = (specimen: Awaited<ReturnType<typeof generateSpecimen>>, overrides: Record<string, string> = {}) =>
    fileForm({ full_name: specimen.submission.fullName, dob: specimen.submission.dateOfBirth, nationality: specimen.submission.nationality, id_number: specimen.submission.idNumber, ...overrides }, { field: 'id_image', bytes: specimen.image });

  test('when a reviewer sends a genuine passport, then it is accepted with every check and the details behind them', async () => {
    const [year, month, day] = genuine.submission.dateOfBirth.split('-');
    // The contract also takes the date of birth day first.
    const answer = await postForm(system, '/api/v1/verify', formOf(genuine, { dob: `${day}-${month}-${year}` }), reviewer.token);
    assert.equal(answer.status, 200, answer.text);
    const result = answer.json.verification_result as Record<string, unknown>;
    assert.equal(answer.json.status, 'success');
    assert.equal(result.decision, 'accept');
    assert.deepEqual(result.checks, { ocr: 'success', metadata: 'success', image_integrity: 'success' });
    const details = result.details as { ocr: { mrz: { valid: boolean; fields: { documentNumber: string } } }; metadata: { found: { make: string | null } }; image_integrity: { ela: { score: number }; heatMapPng: string } };
    assert.equal(details.ocr.mrz.valid, true);
    assert.equal(details.ocr.mrz.fields.documentNumber, genuine.holder.documentNumber);
    assert.notEqual(details.metadata.found.make, null);
    assert.equal(typeof details.image_integrity.ela.score, 'number');
    assert.equal(Buffer.from(details.image_integrity.heatMapPng, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
  });

  test('when a service account sends its API key, then it is served; once deactivated, its key is refused', async () => {
    const created = await api(system, 'POST', '/api/admin/service-accounts', { token: admin.token, body: { username: `portal-${Date.now()}`, reason: 'partner portal checks documents' } });
    assert.equal(created.status, 201, created.text);
    const key = created.json.api_key as string;
    assert.match(key, /^kyc_sk_[A-Za-z0-9_-]{40,}$/);
    const stored = await system.db.serviceApiKey.findFirstOrThrow({ where: { userId: created.json.id as string } });
    assert.notEqual(stored.keyHash, key, 'only a hash of the key is kept');
    assert.equal(key.startsWith(stored.prefix), true);

    const edited = await generateSpecimen({ kind: 'passport', variant: 'editor_software', seed: 12 });
    const answer = await postForm(system, '/api/v1/verify', formOf(edited), key);
    assert.equal(answer.status, 200, answer.text);
    const result = answer.json.verification_result as { decision: string; checks: { metadata: string } };
    assert.equal(result.decision, 'deny');
    assert.equal(result.checks.metadata, 'fail');

    // A service account reaches nothing else.
    assert.equal((await api(system, 'GET', '/api/review/queue/', { token: key })).status, 403);

    const deactivated = await api(system, 'PATCH', `/api/admin/users/${created.json.id as string}`, { token: admin.token, body: { is_active: false, reason: 'partner contract ended' } });
    assert.equal(deactivated.status, 200, deactivated.text);
    assertProblem(await postForm(system, '/api/v1/verify', formOf(genuine), key), 401);
  });

  test('when a customer, an auditor or nobody calls it, then the call is refused before the image is read', async () => {
    const [customer, auditor] = await Promise.all([createUser(system, 'customer'), createUser(system, 'auditor')]);
    assertProblem(await postForm(system, '/api/v1/verify', formOf(genuine), customer.token), 403);
    assertProblem(await postForm(system, '/api/v1/verify', formOf(genuine), auditor.token), 403);
    assertProblem(await postForm(system, '/api/v1/verify', formOf(genuine)), 401);
    assertProblem(await postForm(system, '/api/v1/verify', formOf(genuine), 'kyc_sk_not-a-key-of-anyone-at-all-0000000000'), 401);
  });

  test('when the file is not an image, another image type, missing, or a field breaks its rule, then the problem names the field and the rule', async () => {
    const text = await postForm(system, '/api/v1/verify', fileForm({ full_name: 'Ann Example', dob: '1990-01-01', nationality: 'SE', id_number: 'AB1234567' }, { field: 'id_image', bytes: Buffer.from('just some text, named like a photo'), name: 'photo.jpg' }), reviewer.token);
    assertProblem(text, 422);
    assert.deepEqual((text.json.errors as { field: string; rule: string }[]).map((e) => [e.field, e.rule]), [['id_image', 'not_an_image']]);

    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.alloc(64)]);
    const unsupported = await postForm(system, '/api/v1/verify', fileForm({ full_name: 'Ann Example', dob: '1990-01-01', nationality: 'SE', id_number: 'AB1234567' }, { field: 'id_image', bytes: gif, name: 'photo.gif', type: 'image/gif' }), reviewer.token);
    assertProblem(unsupported, 415);
    assert.match(unsupported.json.message as string, /JPEG or PNG/);

    const missing = await postForm(system, '/api/v1/verify', fileForm({ full_name: 'Ann Example', dob: '1990-01-01', nationality: 'SE', id_number: 'AB1234567' }, null), reviewer.token);
    assertProblem(missing, 422);
    assert.equal((missing.json.errors as { field: string }[])[0]!.field, 'id_image');

    const badDate = await postForm(system, '/api/v1/verify', formOf(genuine, { dob: '31-02-1990', nationality: 'XX' }), reviewer.token);
    assertProblem(badDate, 422);
    const fields = (badDate.json.errors as { field: string; message: string }[]).map((e) => e.field).sort();
    assert.deepEqual(fields, ['dob', 'nationality']);

    const json = await api(system, 'POST', '/api/v1/verify', { token: reviewer.token, body: { full_name: 'Ann Example' } });
    assertProblem(json, 415);
  });
});
