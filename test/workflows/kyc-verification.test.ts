// needs: temporal-test-server, workflow-bundle
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { loadConfig } from '../../domain/config';
import { vendorDecisionText } from '../../domain/decision';
import { REVIEW_REJECTION_TEXT } from '../../domain/review';
import { ROLLED_BACK_TEXT, type KycStatus } from '../../domain/status';
import { decideUpdate, reviewStateQuery, reviewWorkflowId, type ReviewState } from '../../workflows/kyc-review.contract';
import {
  retryUpdate,
  startSessionUpdate,
  stateQuery,
  vendorUpdateSignal,
  verificationSettings,
  verificationWorkflowId,
  type VendorUpdate,
  type VerificationSettings,
  type VerificationState,
} from '../../workflows/kyc-verification.contract';
import { type kycVerification } from '../../workflows/kyc-verification';
import { refusalOf, SENIOR_REVIEWER, STANDARD_REVIEWER, untilState, type Stubs, type WorkerRun, workflowTestsOfThisFile } from '../support/time-skipping';

// Every branch of the verification workflow (workflows/kyc-verification.ts) on Temporal's
// time-skipping test server, with stub activities: what the workflow decides, which steps it asks
// for and when, under the production timeouts (an hour's session, a week's resubmission window)
// passed in milliseconds. The steps themselves are tested on the real database by test/e2e/.

const SETTINGS = verificationSettings(loadConfig({}));
const MINUTE = 60_000;

type Verification = WorkflowHandle<typeof kycVerification>;

const workflows = workflowTestsOfThisFile();

async function startVerification(run: WorkerRun, settings: Partial<VerificationSettings> = {}): Promise<{ handle: Verification; recordId: string }> {
  const recordId = randomUUID();
  const userId = randomUUID();
  const handle = await run.start<typeof kycVerification>('kycVerification', {
    workflowId: verificationWorkflowId(userId),
    args: [{ recordId, userId, sealedApplication: 'sealed-application', country: 'BW', settings: { ...SETTINGS, ...settings } }],
  });
  return { handle, recordId };
}

const decision = (status: Extract<VendorUpdate, { kind: 'decision' }>['status'], attempt = 1, reasonCode: number | null = null): VendorUpdate => ({
  kind: 'decision',
  receiptId: randomUUID(),
  sessionId: `session-${attempt}`,
  attemptId: `attempt-${attempt}`,
  status,
  reasonCode,
});
const event = (action: 'started' | 'submitted', attempt = 1): VendorUpdate => ({ kind: 'event', receiptId: randomUUID(), sessionId: `session-${attempt}`, attemptId: `attempt-${attempt}`, action });

const untilStatus = (handle: Verification, status: KycStatus) => untilState(() => handle.query(stateQuery), (s) => s.status === status, `status ${status}`);
/** The status moves the workflow asked the record store for, as `to:EVENT_TYPE`. */
const transitions = (run: WorkerRun) => run.callsOf('recordTransition').map((t) => `${t.to}:${t.eventType}`);

async function expectCancelled(handle: Verification): Promise<void> {
  await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
}

/** The review child of a verification's attempt, once its task is assigned. */
async function reviewOf(handle: Verification, attempt = 1): Promise<{ review: WorkflowHandle; state: ReviewState }> {
  const review = workflows.env.client.workflow.getHandle(reviewWorkflowId(handle.workflowId, attempt));
  const state = await untilState(
    () => review.query(reviewStateQuery).catch(() => null),
    (s) => s !== null && s.taskId !== null && s.dueAt !== null,
    'an assigned review task',
  );
  return { review, state: state! };
}

describe('the verification workflow, on skipped time', () => {
  test('when the vendor approves a clean case, then the record is approved and the wallet upgraded once', async () => {
    await workflows.run({}, async (run) => {
      const { handle, recordId } = await startVerification(run);
      const session = await handle.executeUpdate(startSessionUpdate);
      assert.deepEqual({ status: session.status, sessionUrl: session.sessionUrl }, { status: 'pending', sessionUrl: 'https://vendor.test/sessions/1' });
      for (const update of [event('started'), event('submitted'), decision('approved')]) await handle.signal(vendorUpdateSignal, update);

      const result = await handle.result();
      assert.deepEqual({ status: result.status, attempt: result.attempt, failure: result.failure }, { status: 'approved', attempt: 1, failure: null });
      assert.deepEqual(transitions(run), ['in_progress:VENDOR_STARTED', 'submitted:VENDOR_SUBMITTED', 'approved:KYC_APPROVED']);
      assert.deepEqual(run.callsOf('createKycRecord'), [{ recordId, userId: run.callsOf('createKycRecord')[0]!.userId, sealedApplication: 'sealed-application' }]);
      assert.deepEqual(run.callsOf('upgradeWallet'), [{ recordId }]);
      assert.equal(run.callsOf('rollbackApproval').length, 0);
      assert.ok(run.callsOf('deliverNotifications').length >= 1, 'the customer is notified of the outcome');
    });
  });

  test('when the vendor redelivers its webhooks, then each one has one effect', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      const submitted = event('submitted');
      const approved = decision('approved');
      for (const update of [submitted, submitted, approved, { ...approved, receiptId: randomUUID() }]) await handle.signal(vendorUpdateSignal, update);

      assert.equal((await handle.result()).status, 'approved');
      assert.deepEqual(transitions(run), ['submitted:VENDOR_SUBMITTED', 'approved:KYC_APPROVED']);
      assert.equal(run.callsOf('upgradeWallet').length, 1);
    });
  });

  test("when the vendor declines, then the record is rejected with the decline's words and the wallet is not touched", async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('declined', 1, 103));

      const result = await handle.result();
      assert.deepEqual({ status: result.status, reason: result.reason }, { status: 'rejected', reason: vendorDecisionText('declined', 103).reason });
      assert.deepEqual(transitions(run), ['rejected:KYC_REJECTED']);
      assert.equal(run.callsOf('upgradeWallet').length, 0);
      assert.equal(run.callsOf('assessRisk').length, 0, 'a declined case is not scored');
    });
  });

  test('when the vendor reports the session expired, then the verification expires', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('expired'));

      assert.equal((await handle.result()).status, 'expired');
      assert.deepEqual(transitions(run), ['expired:VENDOR_EXPIRED']);
    });
  });

  test('when the vendor asks for new photos and the customer retries, then a second session opens and its approval counts', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('resubmission_requested', 1, 204));
      const waiting = await untilStatus(handle, 'resubmission_required');
      assert.equal(waiting.reason, vendorDecisionText('resubmission_requested', 204).reason);

      const retried = await handle.executeUpdate(retryUpdate);
      assert.deepEqual({ status: retried.status, sessionUrl: retried.sessionUrl }, { status: 'pending', sessionUrl: 'https://vendor.test/sessions/2' });
      await handle.signal(vendorUpdateSignal, decision('approved', 2));

      const result = await handle.result();
      assert.deepEqual({ status: result.status, attempt: result.attempt }, { status: 'approved', attempt: 2 });
      assert.deepEqual(run.callsOf('openVendorSession').map((c) => c.attempt), [1, 2]);
      assert.deepEqual(transitions(run), ['resubmission_required:RESUBMISSION_REQUESTED', 'pending:RETRY_STARTED', 'approved:KYC_APPROVED']);
    });
  });

  test("when a webhook of the first session arrives after the retry, then it does not decide the second attempt", async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('resubmission_requested', 1));
      await untilStatus(handle, 'resubmission_required');
      await handle.executeUpdate(retryUpdate);
      await handle.signal(vendorUpdateSignal, decision('approved', 1));
      await handle.signal(vendorUpdateSignal, decision('declined', 2));

      assert.equal((await handle.result()).status, 'rejected');
      assert.equal(run.callsOf('upgradeWallet').length, 0);
    });
  });

  test('when no resubmission was asked for, then a retry is refused and nothing changes', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);

      assert.equal(await refusalOf(handle.executeUpdate(retryUpdate)), 'RetryNotAllowed');
      assert.equal((await handle.query(stateQuery)).status, 'pending');
      assert.deepEqual(run.callsOf('openVendorSession').length, 1);
    });
  });

  test('when the customer has used every retry, then the next resubmission request rejects the verification', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run, { maxRetries: 1 });
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('resubmission_requested', 1));
      await untilStatus(handle, 'resubmission_required');
      await handle.executeUpdate(retryUpdate);
      await handle.signal(vendorUpdateSignal, decision('resubmission_requested', 2));

      const result = await handle.result();
      assert.deepEqual({ status: result.status, reason: result.reason }, { status: 'rejected', reason: 'Verification failed after 2 attempts.' });
      assert.equal(transitions(run).at(-1), 'rejected:RETRY_LIMIT_REACHED');
      assert.equal(run.callsOf('openVendorSession').length, 2);
    });
  });

  test('when the customer does not retry, then the verification expires as the resubmission window closes, not before', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('resubmission_requested', 1));
      await untilStatus(handle, 'resubmission_required');
      const asked = await workflows.env.currentTimeMs();

      await workflows.env.sleep(SETTINGS.resubmissionWindowSeconds * 1000 - MINUTE);
      assert.equal((await handle.query(stateQuery)).status, 'resubmission_required', 'a minute before the window closes');
      const result = await handle.result();
      assert.equal(result.status, 'expired');
      assert.equal(transitions(run).at(-1), 'expired:RESUBMISSION_WINDOW_CLOSED');
      assert.ok((await workflows.env.currentTimeMs()) - asked >= SETTINGS.resubmissionWindowSeconds * 1000, 'the window lasted its full length');
    });
  });

  test('when the customer never finishes the session, then the verification expires as the session timeout passes, not before', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, event('started'));
      await untilStatus(handle, 'in_progress');

      await workflows.env.sleep(SETTINGS.sessionTimeoutSeconds * 1000 - MINUTE);
      assert.equal((await handle.query(stateQuery)).status, 'in_progress', 'a minute before the timeout');
      assert.equal((await handle.result()).status, 'expired');
      const timeout = run.callsOf('recordTransition').at(-1)!;
      assert.deepEqual({ to: timeout.to, eventType: timeout.eventType, data: timeout.data }, { to: 'expired', eventType: 'SESSION_TIMEOUT', data: { timeoutSeconds: SETTINGS.sessionTimeoutSeconds } });
      assert.equal(run.callsOf('fetchVendorDecision').length, 0, 'nothing was submitted, so there is no decision to ask for');
    });
  });

  test('when the documents were submitted but no decision came, then the workflow asks the vendor for it at the timeout', async () => {
    await workflows.run({ fetchVendorDecision: async (input) => ({ ...(decision('approved') as Extract<VendorUpdate, { kind: 'decision' }>), sessionId: input.sessionId }) }, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, event('submitted'));

      assert.equal((await handle.result()).status, 'approved');
      assert.deepEqual(
        run.callsOf('fetchVendorDecision').map((c) => c.sessionId),
        ['session-1'],
      );
    });
  });

  test('when the vendor sends the case to review, then the review child decides it and an approval upgrades the wallet', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('review'));
      await untilStatus(handle, 'under_review');
      const { review, state } = await reviewOf(handle);
      assert.equal(run.callsOf('openReviewTask')[0]!.dueInSeconds, SETTINGS.reviewSlaSeconds);

      await review.executeUpdate(decideUpdate, { args: [{ taskId: state.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'approve' }] });
      const result = await handle.result();
      assert.equal(result.status, 'approved');
      const approval = run.callsOf('recordTransition').at(-1)!;
      assert.equal(approval.eventType, 'KYC_APPROVED');
      assert.deepEqual((approval.data as Record<string, unknown>).approvers, [STANDARD_REVIEWER]);
      assert.equal(run.callsOf('upgradeWallet').length, 1);
    });
  });

  test("when the reviewer rejects, then the record is rejected with the review's words for the reason code", async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('review'));
      const { review, state } = await reviewOf(handle);

      await review.executeUpdate(decideUpdate, { args: [{ taskId: state.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'reject', reasonCode: 'data_mismatch' }] });
      const result = await handle.result();
      assert.deepEqual({ status: result.status, reason: result.reason }, { status: 'rejected', reason: REVIEW_REJECTION_TEXT.data_mismatch.reason });
      assert.equal(transitions(run).at(-1), 'rejected:REVIEW_REJECTED');
      assert.equal(run.callsOf('upgradeWallet').length, 0);
    });
  });

  test('when the reviewer asks for new photos, then the customer may retry as after a vendor request', async () => {
    await workflows.run({}, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('review'));
      const { review, state } = await reviewOf(handle);

      await review.executeUpdate(decideUpdate, { args: [{ taskId: state.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'request_resubmission' }] });
      await untilStatus(handle, 'resubmission_required');
      assert.equal(transitions(run).at(-1), 'resubmission_required:REVIEW_RESUBMISSION');
      const retried = await handle.executeUpdate(retryUpdate);
      assert.equal(retried.sessionUrl, 'https://vendor.test/sessions/2');
    });
  });

  test('when the vendor approves but the risk assessment needs a person, then the review takes two different approvers', async () => {
    const risky: Stubs = { assessRisk: async () => ({ score: 80, reasons: [{ code: 'DUPLICATE_DOCUMENT', weight: 80, hard: true, detail: 'the document is on another account' }], needsReview: true, needsFourEyes: true }) };
    await workflows.run(risky, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('approved'));
      const { review, state } = await reviewOf(handle);
      assert.equal(transitions(run).at(-1), 'under_review:SENT_TO_REVIEW');

      await review.executeUpdate(decideUpdate, { args: [{ taskId: state.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'approve' }] });
      const second = await untilState(() => review.query(reviewStateQuery), (s) => s.stage === 'second_approval' && s.dueAt !== null && s.taskId !== state.taskId, 'the second approval');
      assert.equal((await handle.query(stateQuery)).status, 'under_review', 'one approval does not approve a four-eyes case');
      await review.executeUpdate(decideUpdate, { args: [{ taskId: second.taskId!, actorId: SENIOR_REVIEWER, actorRole: 'senior_reviewer', decision: 'approve' }] });

      assert.equal((await handle.result()).status, 'approved');
      assert.deepEqual((run.callsOf('recordTransition').at(-1)!.data as Record<string, unknown>).approvers, [STANDARD_REVIEWER, SENIOR_REVIEWER]);
    });
  });

  test('when the wallet upgrade is refused for good, then the approval is rolled back (the saga) and the customer told', async () => {
    const refused: Stubs = { upgradeWallet: async () => { throw ApplicationFailure.nonRetryable('the account is closed', 'WalletUpgradeRefused'); } };
    await workflows.run(refused, async (run) => {
      const { handle, recordId } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('approved'));

      const result = await handle.result();
      assert.deepEqual({ status: result.status, failure: result.failure, reason: result.reason }, { status: 'error', failure: 'WalletUpgradeRefused', reason: ROLLED_BACK_TEXT.reason });
      assert.deepEqual(run.callsOf('rollbackApproval'), [{ recordId, failure: 'WalletUpgradeRefused', dedupeKey: `${recordId}:1:KYC_ROLLBACK` }]);
      const order = run.calls.map((c) => c.activity).filter((a) => ['upgradeWallet', 'rollbackApproval', 'deliverNotifications'].includes(a));
      assert.deepEqual(order, ['upgradeWallet', 'rollbackApproval', 'deliverNotifications']);
    });
  });

  test('when the wallet upgrade fails for a moment, then it is retried and the approval stands', async () => {
    let attempts = 0;
    const flaky: Stubs = {
      upgradeWallet: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('the database is restarting');
        return { upgraded: true, walletType: 'verified' };
      },
    };
    await workflows.run(flaky, async (run) => {
      const { handle } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('approved'));

      assert.equal((await handle.result()).status, 'approved');
      assert.equal(attempts, 3);
      assert.equal(run.callsOf('rollbackApproval').length, 0);
    });
  });

  test('when the record cannot be written for good, then no session is opened and the result says why', async () => {
    const refused: Stubs = { createKycRecord: async () => { throw ApplicationFailure.nonRetryable('the account is gone', 'RecordRefused'); } };
    await workflows.run(refused, async (run) => {
      const { handle } = await startVerification(run);

      const result: VerificationState = await handle.result();
      assert.deepEqual({ status: result.status, failure: result.failure }, { status: 'error', failure: 'RecordRefused' });
      assert.equal(run.callsOf('openVendorSession').length, 0);
      assert.equal(run.callsOf('recordTransition').length, 0, 'there is no record to move');
    });
  });

  test('when the vendor refuses the session request, then the verification ends in error without a retry', async () => {
    let asked = 0;
    const refused: Stubs = {
      openVendorSession: async () => {
        asked += 1;
        throw ApplicationFailure.nonRetryable('422 from the vendor', 'VendorRequestRejected');
      },
    };
    await workflows.run(refused, async (run) => {
      const { handle } = await startVerification(run);
      const session = await handle.executeUpdate(startSessionUpdate);
      assert.deepEqual({ status: session.status, failure: session.failure, sessionUrl: session.sessionUrl }, { status: 'error', failure: 'VendorRequestRejected', sessionUrl: null });

      assert.equal((await handle.result()).status, 'error');
      assert.equal(asked, 1);
      assert.deepEqual(transitions(run), ['error:SESSION_FAILED']);
    });
  });

  test('when the verification is cancelled while the customer is in the session, then the record is withdrawn and the workflow ends cancelled', async () => {
    await workflows.run({}, async (run) => {
      const { handle, recordId } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, event('started'));
      await untilStatus(handle, 'in_progress');

      await handle.cancel();
      await expectCancelled(handle);
      const withdrawn = run.callsOf('withdrawVerification');
      assert.deepEqual(withdrawn.map((w) => ({ recordId: w.recordId, attempt: w.attempt })), [{ recordId, attempt: 1 }]);
    });
  });

  test('when the verification is cancelled during its review, then the review closes its tasks and the record is withdrawn', async () => {
    await workflows.run({}, async (run) => {
      const { handle, recordId } = await startVerification(run);
      await handle.executeUpdate(startSessionUpdate);
      await handle.signal(vendorUpdateSignal, decision('review'));
      const { review } = await reviewOf(handle);

      await handle.cancel();
      await expectCancelled(handle);
      await assert.rejects(review.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
      assert.deepEqual(run.callsOf('closeReviewTasks'), [{ recordId }]);
      assert.equal(run.callsOf('withdrawVerification').length, 1);
    });
  });
});
