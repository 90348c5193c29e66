// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { type DocumentCheckResult } from '../../document-check';
import { KeyRing, PiiCipher } from '../../infra/crypto';
import { decisionStatusOf, localDecision } from '../../vendors/local/contract';
import { LocalVendor } from '../../vendors/local/vendor';

// The pure parts of documents: how identical files are recognised, and how the engine's decision becomes
// the local vendor's (the branches of the verification depend on that mapping).

const key = () => randomBytes(32).toString('base64');

// Sealing the bytes themselves (the owner's data key) is test/integration/personal-data.test.ts.
describe('document bytes at rest', () => {
  test('when the same file is hashed twice, then the keyed hash is the same, and another key gives another hash', () => {
    const image = randomBytes(1024);
    const cipher = new PiiCipher(new KeyRing([{ id: 'k1', key: key() }]), 'hash-key-one');
    assert.equal(cipher.contentHash(image), cipher.contentHash(Buffer.from(image)));
    assert.notEqual(new PiiCipher(new KeyRing([{ id: 'k1', key: key() }]), 'hash-key-two').contentHash(image), cipher.contentHash(image));
  });
});

describe('the local vendor', () => {
  test('when the engine decides, then the vendor decision takes the matching branch of the verification', () => {
    assert.deepEqual(decisionStatusOf({ decision: 'accept', retake: false }), { status: 'approved', reasonCode: null });
    assert.deepEqual(decisionStatusOf({ decision: 'deny', retake: false }), { status: 'declined', reasonCode: 102 });
    assert.deepEqual(decisionStatusOf({ decision: 'flag for review', retake: false }), { status: 'review', reasonCode: null });
    assert.deepEqual(decisionStatusOf({ decision: 'flag for review', retake: true }), { status: 'resubmission_requested', reasonCode: 204 });
  });

  test('when the zone was read with its check digits, then the decision reports it; names the engine found matching are left to the engine', () => {
    const fields = { surname: 'MENSAH', givenNames: 'TOBIAS', dateOfBirth: '1963-09-02', sex: 'M', nationality: 'IRL', documentNumber: 'UJ8080410', dateOfExpiry: '2030-06-22', issuingState: 'IRL', documentCode: 'P' };
    const result = (nameOutcome: 'match' | 'close', valid = true) =>
      ({
        decision: 'accept',
        reason: '',
        retake: false,
        checks: { ocr: 'success', metadata: 'success', image_integrity: 'success' },
        details: { ocr: { mrz: { valid, fields }, comparisons: [{ field: 'fullName', between: 'submission_and_mrz', outcome: nameOutcome }] } },
      }) as unknown as DocumentCheckResult;
    const ids = { sessionId: 'local-1', attemptId: 'attempt-1', checkId: randomUUID() };
    const matching = localDecision({ ...ids, result: result('match') });
    assert.deepEqual(matching.extracted, { firstName: null, lastName: null, dateOfBirth: '1963-09-02', documentNumber: 'UJ8080410' });
    assert.deepEqual(localDecision({ ...ids, result: result('close') }).extracted, { firstName: 'TOBIAS', lastName: 'MENSAH', dateOfBirth: '1963-09-02', documentNumber: 'UJ8080410' });
    assert.equal(localDecision({ ...ids, result: result('match', false) }).extracted, null, 'a zone failing its check digits is not reported as read');

    // What is stored as the receipt reads back as the same vendor decision.
    const read = new LocalVendor((id) => `/kyc/records/${id}/documents`).readDecision(JSON.parse(JSON.stringify(matching)));
    assert.deepEqual([read.status, read.sessionId, read.attemptId, read.extracted?.documentNumber], ['approved', 'local-1', 'attempt-1', 'UJ8080410']);
  });

  test("when a session is opened, then its URL is our own upload page and its id names the local vendor", async () => {
    const vendor = new LocalVendor((id) => `https://kyc.example/kyc/records/${id}/documents`);
    const session = await vendor.openSession({ recordId: 'r-1', userId: 'u-1', firstName: 'A', lastName: 'B', dateOfBirth: '1990-01-01', documentNumber: 'X1', documentType: 'passport', issuingCountry: 'SE', returnUrl: 'https://kyc.example/kyc/records/r-1' });
    assert.equal(session.url, 'https://kyc.example/kyc/records/r-1/documents');
    assert.match(session.id, /^local-[0-9a-f-]{36}$/);
    assert.equal(await vendor.fetchDecision(), null);
    assert.deepEqual(await vendor.listMedia(), []);
  });
});
