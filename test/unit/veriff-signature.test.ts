// needs: nothing
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkWebhookClient, signPayload, verifySignature } from '../../vendors/veriff/signature';
import { classifyWebhook, dedupeKeyOf, REASON_CODES, webhookDedupeKey } from '../../vendors/veriff/contract';

// Test vectors from the Veriff contract (docs/veriff-contract.md).
const SECRET = 'abcdef12-abcd-abcd-abcd-abcdef012345';
const SESSION_ID = 'aea9ba6d-1b47-47fc-a4fc-f72b6d3584a7';
const SESSION_ID_SIGNATURE = '895cb3fd31139d89aeb7b263682e15479ab57651e70591256ad2c14fde4950dd';
const BODY =
  '{"verification":{"callback":"https://veriff.com","person":{"firstName":"John","lastName":"Smith"},"document":{"type":"PASSPORT","country":"EE"},"vendorData":"unique id of a user","timestamp":"2016-05-19T08:30:25.597Z"}}';
const BODY_SIGNATURE = '6af6d95822e19e9cc707aec55395d8d363ba2c7bc4625bc04ebeca0c7bf8cd67';

describe('signPayload', () => {
  test('matches the session-id test vector', () => {
    assert.equal(signPayload(SESSION_ID, SECRET), SESSION_ID_SIGNATURE);
  });

  test('matches the request-body test vector, for strings and buffers alike', () => {
    assert.equal(signPayload(BODY, SECRET), BODY_SIGNATURE);
    assert.equal(signPayload(Buffer.from(BODY, 'utf8'), SECRET), BODY_SIGNATURE);
  });
});

describe('verifySignature', () => {
  test('accepts both test vectors over the raw bytes', () => {
    assert.equal(verifySignature(Buffer.from(BODY), BODY_SIGNATURE, SECRET), true);
    assert.equal(verifySignature(SESSION_ID, SESSION_ID_SIGNATURE, SECRET), true);
  });

  test('accepts an uppercase signature', () => {
    assert.equal(verifySignature(BODY, BODY_SIGNATURE.toUpperCase(), SECRET), true);
  });

  test('rejects a tampered body', () => {
    const tampered = BODY.replace('"Smith"', '"Smyth"');
    assert.equal(verifySignature(tampered, BODY_SIGNATURE, SECRET), false);
  });

  test('rejects re-serialised JSON even when it means the same thing', () => {
    const reserialised = JSON.stringify(JSON.parse(BODY), null, 2);
    assert.equal(verifySignature(reserialised, BODY_SIGNATURE, SECRET), false);
  });

  test('rejects the wrong secret', () => {
    assert.equal(verifySignature(BODY, BODY_SIGNATURE, `${SECRET}x`), false);
  });

  test('rejects a missing, empty or garbage signature without throwing', () => {
    assert.equal(verifySignature(BODY, undefined, SECRET), false);
    assert.equal(verifySignature(BODY, '', SECRET), false);
    assert.equal(verifySignature(BODY, 'not-hex-at-all', SECRET), false);
    assert.equal(verifySignature(BODY, BODY_SIGNATURE.slice(0, 62), SECRET), false);
    assert.equal(verifySignature(BODY, `${BODY_SIGNATURE}00`, SECRET), false);
    assert.equal(verifySignature(BODY, `${BODY_SIGNATURE.slice(0, 63)}g`, SECRET), false);
  });

  test('refuses to verify with an empty secret', () => {
    assert.equal(verifySignature(BODY, signPayload(BODY, ''), ''), false);
  });
});

describe('checkWebhookClient', () => {
  const API_KEY = 'f3f2a0e4-3c1b-4a5e-9d6f-0b8c7a6e5d4c';

  test('accepts our integration API key, with surrounding spaces a proxy may add', () => {
    assert.equal(checkWebhookClient(API_KEY, API_KEY), true);
    assert.equal(checkWebhookClient(` ${API_KEY} `, API_KEY), true);
  });

  test('rejects a missing, empty, different or merely similar key', () => {
    assert.equal(checkWebhookClient(undefined, API_KEY), false);
    assert.equal(checkWebhookClient('', API_KEY), false);
    assert.equal(checkWebhookClient('another-integration-key', API_KEY), false);
    assert.equal(checkWebhookClient(API_KEY.toUpperCase(), API_KEY), false);
    assert.equal(checkWebhookClient(API_KEY.slice(0, -1), API_KEY), false);
    assert.equal(checkWebhookClient(`${API_KEY}0`, API_KEY), false);
  });

  test('rejects everything when no API key is configured', () => {
    assert.equal(checkWebhookClient('', ''), false);
    assert.equal(checkWebhookClient('anything', ''), false);
  });
});

const decision = {
  status: 'success',
  verification: {
    id: SESSION_ID,
    attemptId: 'f5c2e5a4-0b5e-4b8a-9f55-0d3a3b7c1a11',
    vendorData: 'case-1',
    endUserId: null,
    status: 'declined',
    code: 9102,
    reason: 'suspected document tampering',
    reasonCode: 102,
    decisionTime: '2026-01-01T10:00:00.000Z',
    acceptanceTime: '2026-01-01T09:58:00.000Z',
    person: { firstName: 'John', lastName: 'Smith', idNumber: null, dateOfBirth: '1990-01-01', nationality: 'EE', gender: 'M' },
    document: { type: 'PASSPORT', number: 'B01234567', country: 'EE', validFrom: null, validUntil: '2030-01-01' },
    riskLabels: [{ label: 'document_integration_level_crosslinked_with_fraud', category: 'document', sessionIds: [] }],
    additionalVerifiedData: {},
    comments: [],
    someFieldVeriffAddsLater: { nested: true },
  },
  technicalData: { ip: '192.0.2.1' },
};

const event = {
  id: SESSION_ID,
  attemptId: 'f5c2e5a4-0b5e-4b8a-9f55-0d3a3b7c1a11',
  feature: 'selfid',
  code: 7002,
  action: 'submitted',
  vendorData: 'case-1',
  endUserId: null,
};

describe('classifyWebhook', () => {
  test('a top-level verification key is a decision, and unknown extra fields survive', () => {
    const result = classifyWebhook(decision);
    assert.equal(result.kind, 'decision');
    if (result.kind !== 'decision') return;
    assert.equal(result.payload.verification.status, 'declined');
    assert.equal(result.payload.verification.reasonCode, 102);
    assert.deepEqual(result.payload.verification.someFieldVeriffAddsLater, { nested: true });
  });

  test('a payload with action is an event', () => {
    const result = classifyWebhook(event);
    assert.equal(result.kind, 'event');
    if (result.kind !== 'event') return;
    assert.equal(result.payload.action, 'submitted');
    assert.equal(result.payload.attemptId, event.attemptId);
  });

  test('every documented decision status is accepted', () => {
    for (const status of ['approved', 'declined', 'resubmission_requested', 'expired', 'abandoned', 'review']) {
      const result = classifyWebhook({ ...decision, verification: { ...decision.verification, status } });
      assert.equal(result.kind, 'decision', status);
    }
  });

  test('an unknown decision status fails clearly instead of being guessed', () => {
    const result = classifyWebhook({ ...decision, verification: { ...decision.verification, status: 'maybe_later' } });
    assert.equal(result.kind, 'unknown');
    if (result.kind !== 'unknown') return;
    assert.match(result.reason, /invalid decision webhook/);
    assert.match(result.reason, /unknown Veriff decision status "maybe_later"/);
    assert.match(result.reason, /verification\.status/);
  });

  test('an unknown event action fails clearly', () => {
    const result = classifyWebhook({ ...event, action: 'paused' });
    assert.equal(result.kind, 'unknown');
    if (result.kind !== 'unknown') return;
    assert.match(result.reason, /unknown Veriff event action "paused"/);
  });

  test('a decision without its session id is not accepted', () => {
    const { id: _id, ...withoutId } = decision.verification;
    const result = classifyWebhook({ ...decision, verification: withoutId });
    assert.equal(result.kind, 'unknown');
  });

  test('anything else is unknown', () => {
    for (const payload of [null, 'approved', 42, [], {}, { status: 'success' }]) {
      assert.equal(classifyWebhook(payload).kind, 'unknown', JSON.stringify(payload));
    }
  });
});

describe('deduplication and reason codes', () => {
  test('dedupe keys combine session, attempt and status or action', () => {
    assert.equal(webhookDedupeKey('s', 'a', 'approved'), 's:a:approved');
    const classified = classifyWebhook(decision);
    const classifiedEvent = classifyWebhook(event);
    assert.ok(classified.kind === 'decision' && classifiedEvent.kind === 'event');
    assert.equal(dedupeKeyOf(classified), `${SESSION_ID}:${decision.verification.attemptId}:declined`);
    assert.equal(dedupeKeyOf(classifiedEvent), `${SESSION_ID}:${event.attemptId}:submitted`);
  });

  test('the reason-code table matches the contract', () => {
    assert.deepEqual(REASON_CODES[102], { status: 'declined', meaning: 'suspected document tampering' });
    assert.deepEqual(REASON_CODES[204], { status: 'resubmission_requested', meaning: 'poor image quality' });
    assert.equal(REASON_CODES[539]?.status, 'declined');
    for (const code of [108, 109, 110]) assert.equal(REASON_CODES[code]?.status, 'declined');
    assert.equal(Object.keys(REASON_CODES).length, 18);
  });
});
