// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSpecimen } from '../../document-check/specimens';
import { fileForm, postForm, specimenApplicant } from '../support/documents';
import { api, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// The endpoints that cost far more than a read, on a running system as `npm start` runs it (the
// API and the worker in one process, sharing one OCR pool): POST /api/v1/verify has an hourly
// allowance per caller and a bounded queue on the API's lane of the pool, and the worker's
// document checks do not go through that lane; POST /api/screening/search has an hourly allowance.
// The lane is filled with runs the test holds, so nothing here depends on how long a check takes.

const QUEUE_MAX = 1;
const VERIFY_PER_HOUR = 3;
const SEARCHES_PER_HOUR = 3;

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  json: Record<string, unknown>;
}

describe('limits on costly endpoints', () => {
  let system: TestSystem;
  let genuine: Awaited<ReturnType<typeof generateSpecimen>>;
  before(async () => {
    system = await startTestSystem({ KYC_VENDOR: 'local', KYC_VERIFY_QUEUE_MAX: String(QUEUE_MAX), KYC_VERIFY_PER_HOUR: String(VERIFY_PER_HOUR), KYC_SCREENING_SEARCHES_PER_HOUR: String(SEARCHES_PER_HOUR) });
    genuine = await generateSpecimen({ kind: 'passport', variant: 'genuine', seed: 11 });
  });
  after(async () => {
    await system?.stop();
  });

  const verify = async (caller: TestUser, image = genuine.image): Promise<Answer> => {
    const { fullName, dateOfBirth, nationality, idNumber } = genuine.submission;
    const response = await fetch(`${system.apiUrl}/api/v1/verify`, {
      method: 'POST',
      body: fileForm({ full_name: fullName, dob: dateOfBirth, nationality, id_number: idNumber }, { field: 'id_image', bytes: image }),
      headers: { authorization: `Bearer ${caller.token}` },
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), json: (await response.json()) as Record<string, unknown> };
  };

  // Takes every place of the API's lane (one running, QUEUE_MAX waiting) until the returned release is called.
  function fillVerifyLane(): { release: () => Promise<void> } {
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    // With one OCR worker shared with the worker, the lane runs one check at a time.
    const runs = Array.from({ length: 1 + QUEUE_MAX }, () => system.verifyOcr.run(() => held));
    return {
      release: async () => {
        open();
        await Promise.all(runs);
      },
    };
  }

  test('when the checks running and waiting fill the API lane, then the next verify is 503 with Retry-After naming the rule, and is taken again once a place is free', async () => {
    const reviewer = await createUser(system, 'reviewer');
    const lane = fillVerifyLane();
    const refused = await verify(reviewer);
    await lane.release();
    assert.equal(refused.status, 503, JSON.stringify(refused.json));
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.equal(refused.json.type, '/problems/busy');
    assert.equal(refused.json.rule, 'verify_queue_full');
    assert.equal(typeof refused.json.message, 'string', 'the contract reads the error text from message');
    assert.ok(Number(refused.retryAfter) >= 1, `Retry-After: ${refused.retryAfter}`);
    assert.equal(refused.json.retry_after, Number(refused.retryAfter));

    const taken = await verify(reviewer);
    assert.equal(taken.status, 200, JSON.stringify(taken.json));
  });

  test('when a caller sends more checks in an hour than allowed, then the next is 429 with Retry-After naming the rule, and other callers go on', async () => {
    const [service, other] = [await createUser(system, 'admin'), await createUser(system, 'reviewer')];
    // Counted once the form is valid, whatever the image: these are refused by the engine, cheaply.
    const notAnImage = Buffer.from('not an image at all');
    for (let sent = 0; sent < VERIFY_PER_HOUR; sent += 1) assert.equal((await verify(service, notAnImage)).status, 422);
    const refused = await verify(service, notAnImage);
    assert.equal(refused.status, 429, JSON.stringify(refused.json));
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.equal(refused.json.rule, 'verify_per_caller');
    assert.ok(Number(refused.retryAfter) >= 1, `Retry-After: ${refused.retryAfter}`);
    assert.equal((await verify(other, notAnImage)).status, 422, 'another caller has an allowance of its own');
  });

  test("when API checks fill their lane of the shared pool, then a verification's document check in the worker still proceeds to its decision", async () => {
    const customer = await createUser(system);
    const { specimen, application } = await specimenApplicant({ variant: 'genuine', seed: 21 });
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: application });
    assert.equal(started.status, 201, started.text);
    const recordId = started.json.id as string;

    const lane = fillVerifyLane();
    try {
      assert.equal((await verify(await createUser(system, 'reviewer'))).status, 503, 'the API lane is full');
      const front = await postForm(system, `/api/kyc/records/${recordId}/documents/`, fileForm({ kind: 'front' }, { field: 'file', bytes: specimen.image }), customer.token);
      assert.equal(front.status, 201, front.text);
      assert.equal(front.json.check, 'started');
      const check = await eventually(() => system.db.documentCheck.findFirst({ where: { kycRecordId: recordId } }), (found) => found !== null, 90_000, 'the document check');
      assert.equal(check?.decision, 'accept');
    } finally {
      await lane.release();
    }
  });

  test('when a staff member runs more screening searches in an hour than allowed, then the next is 429 with Retry-After naming the rule', async () => {
    const reviewer = await createUser(system, 'reviewer');
    for (let sent = 0; sent < SEARCHES_PER_HOUR; sent += 1) {
      const answer = await api(system, 'POST', '/api/screening/search', { token: reviewer.token, body: { name: 'Ayman al-Zawahiri' } });
      assert.equal(answer.status, 200, answer.text);
    }
    const response = await fetch(`${system.apiUrl}/api/screening/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reviewer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ayman al-Zawahiri' }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 429, JSON.stringify(body));
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(body.rule, 'screening_searches_per_user');
    assert.ok(Number(response.headers.get('retry-after')) >= 1);
  });
});
