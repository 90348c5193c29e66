// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROBLEMS } from '../../api/problem';
import { failedSessionProblem } from '../../api/use-cases/verification-problems';
import { verificationFailureOf, type VerificationFailure } from '../../workflows/kyc-verification.contract';

// A verification that fails for good names one of the contract's failure types, and API clients
// get an answer for each. An activity out of attempts fails with its last attempt's own error: a
// chaos run met the vendor's 'VeriffApiError' there, and the start that waited for the session
// answered 500 (no problem code for that type).

describe('the failure a verification ends with', () => {
  test("an activity's failure type of the contract is kept; any other becomes the step's fallback", () => {
    assert.equal(verificationFailureOf('VendorRequestRejected', 'VendorUnavailable'), 'VendorRequestRejected');
    assert.equal(verificationFailureOf('WalletUpgradeRefused', 'WalletUpgradeRefused'), 'WalletUpgradeRefused');
    assert.equal(verificationFailureOf('VeriffApiError', 'VendorUnavailable'), 'VendorUnavailable');
    assert.equal(verificationFailureOf('DatabaseUnavailable', 'WalletUpgradeRefused'), 'WalletUpgradeRefused');
    assert.equal(verificationFailureOf(undefined, 'VendorUnavailable'), 'VendorUnavailable');
  });

  test('a session that failed answers a problem for every failure, including one a workflow recorded outside the contract', () => {
    const snapshot = { recordId: 'r', status: 'error' as const, reason: 'We could not open an identity-verification session with our provider.', nextAction: 'Try again later.', sessionUrl: null };
    assert.equal(failedSessionProblem({ ...snapshot, failure: 'VendorRequestRejected' }).code, 'upstream_unavailable');
    assert.equal(failedSessionProblem({ ...snapshot, failure: 'RecordRefused' }).code, 'conflict');
    const outside = failedSessionProblem({ ...snapshot, failure: 'VeriffApiError' as VerificationFailure });
    assert.equal(outside.code, 'upstream_unavailable');
    assert.equal(PROBLEMS[outside.code].status, 503);
    assert.equal(outside.detail, snapshot.reason);
  });
});
