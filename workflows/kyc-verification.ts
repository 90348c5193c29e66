import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { vendorDecisionText, vendorEventAdvances } from '../domain/decision';
import { REVIEW_REJECTION_TEXT } from '../domain/review';
import { DEFAULT_STATUS_TEXT, isTerminal, ROLLED_BACK_TEXT, type KycStatus } from '../domain/status';
import { kycReview } from './kyc-review';
import { reviewWorkflowId } from './kyc-review.contract';
import {
  amendAddressUpdate,
  CLOSE_ON_CANCEL_PATCH,
  retryUpdate,
  startSessionUpdate,
  stateQuery,
  vendorUpdateSignal,
  verificationFailureOf,
  type AmendAddressInput,
  type KycVerificationInput,
  type SessionSnapshot,
  type VendorUpdate,
  type VerificationFailure,
  type VerificationState,
} from './kyc-verification.contract';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY, VENDOR_RETRY, WALLET_RETRY } from './policies';
import { KycCountryKey, KycRecordIdKey, KycRiskScoreKey, KycStatusKey } from './search-attributes';

// The customer's verification as durable code: persist the (already validated) application, open
// the vendor session, wait for the vendor's webhooks (signals) under the session timeout, then
// decide: approve and upgrade the wallet, reject, ask for a resubmission, or send to manual review.
// Cancelled (the customer's erasure cancels it), it withdraws the record and ends as cancelled.

const { openVendorSession, fetchVendorDecision } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.vendor, retry: VENDOR_RETRY });

// The database steps (milliseconds each, idempotent) run as local activities: inside the workflow
// task that reaches them, their results recorded as markers, without a round trip through the
// server per step. A worker that dies before the task completes runs them again on replay, which
// their dedupe keys make harmless. Verifications started before this change (release 0.2.0)
// recorded them as activities of their own and keep them so (the patch below).
const LOCAL_DATABASE_STEPS = 'local-database-steps';
const database = { startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: DATABASE_RETRY } as const;
const wallet = { startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: WALLET_RETRY } as const;
const asActivities = { steps: proxyActivities<KycActivities>(database), wallet: proxyActivities<KycActivities>(wallet) };
const asLocalActivities = { steps: proxyLocalActivities<KycActivities>(database), wallet: proxyLocalActivities<KycActivities>(wallet) };

type StatusText = { reason: string; nextAction: string };
type EventData = Record<string, string | number | boolean | null | string[]>;
/** What handling one vendor update leads to: keep following the session, or the verification is over. */
type Next = 'continue' | 'done';

/** The failure type of an activity that failed for good (non-retryable, or out of attempts). */
function failureOf(err: unknown, fallback: VerificationFailure): VerificationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return verificationFailureOf(cause instanceof ApplicationFailure ? cause.type : undefined, fallback);
}

// Business outcomes: the workflow completes normally in each of them; its result is the final state.
export async function kycVerification(input: KycVerificationInput): Promise<VerificationState> {
  const { recordId, settings } = input;
  // Decided once, before the first step: the same way on every replay of this history.
  const { steps, wallet: walletSteps } = patched(LOCAL_DATABASE_STEPS) ? asLocalActivities : asActivities;
  const { createKycRecord, recordTransition, rollbackApproval, amendApplicationAddress, assessRisk, deliverNotifications, withdrawVerification } = steps;
  const { upgradeWallet } = walletSteps;
  const state: VerificationState = { recordId, status: 'pending', ...DEFAULT_STATUS_TEXT.pending, sessionUrl: null, attempt: 1, failure: null };
  const inbox: VendorUpdate[] = [];
  const seen = new Set<string>();
  let currentSessionId: string | null = null;
  let retryRequested = false;
  let sessionsOpened = 0;
  // The status being written right now: the database (which the API reads) is a moment ahead of
  // `state.status` while a transition activity runs, and a customer may act on what they read.
  let enteringStatus: KycStatus | null = null;

  const snapshot = (): SessionSnapshot => ({ recordId: state.recordId, status: state.status, reason: state.reason, nextAction: state.nextAction, sessionUrl: state.sessionUrl, failure: state.failure });

  // Vendors redeliver, and a fetched decision may meet its webhook: one effect per (session,
  // attempt, status or action), whichever way it came.
  const accept = (update: VendorUpdate) => {
    const key = `${update.sessionId}:${update.attemptId}:${update.kind === 'event' ? update.action : update.status}`;
    if (seen.has(key)) return;
    seen.add(key);
    inbox.push(update);
  };

  setHandler(stateQuery, () => state);
  setHandler(vendorUpdateSignal, accept);
  setHandler(startSessionUpdate, async () => {
    await condition(() => state.sessionUrl !== null || isTerminal(state.status));
    return snapshot();
  });
  setHandler(
    retryUpdate,
    async () => {
      retryRequested = true;
      // Resolves once the new attempt's session is open (or the verification could not go on).
      const opened = sessionsOpened;
      await condition(() => sessionsOpened > opened || isTerminal(state.status));
      return snapshot();
    },
    {
      validator: () => {
        const status = enteringStatus ?? state.status;
        if (status !== 'resubmission_required' || retryRequested) {
          throw ApplicationFailure.nonRetryable(`a retry is possible only when a resubmission is required (status is ${status})`, 'RetryNotAllowed' satisfies VerificationFailure);
        }
      },
    },
  );
  // The address may change while the application is pending and no vendor session is open; the
  // record store checks the same condition in the write, so a session opened meanwhile wins.
  const amendRefusal = () => ApplicationFailure.nonRetryable('The identity check has already been opened with the details as submitted; start a new application to correct them.', 'AmendNotAllowed' satisfies VerificationFailure);
  setHandler(
    amendAddressUpdate,
    async (amendment) => {
      const outcome = await amendApplicationAddress({ recordId, ...amendment });
      if (outcome === 'refused') throw amendRefusal();
      return snapshot();
    },
    {
      validator: (_amendment: AmendAddressInput) => {
        if ((enteringStatus ?? state.status) !== 'pending' || currentSessionId !== null) throw amendRefusal();
      },
    },
  );

  const setStatus = (status: KycStatus, text: StatusText = DEFAULT_STATUS_TEXT[status]) => {
    state.status = status;
    state.reason = text.reason;
    state.nextAction = text.nextAction;
    upsertSearchAttributes([{ key: KycStatusKey, value: status }]);
  };

  const moveTo = async (to: KycStatus, eventType: string, text: StatusText = DEFAULT_STATUS_TEXT[to], data?: EventData) => {
    enteringStatus = to;
    try {
      await recordTransition({ recordId, from: state.status, to, reason: text.reason, nextAction: text.nextAction, eventType, data, dedupeKey: `${recordId}:${state.attempt}:${eventType}` });
    } finally {
      enteringStatus = null;
    }
    setStatus(to, text);
  };

  /** Opens the session of the current attempt; false when the vendor refused or stayed unreachable. */
  const openSession = async (): Promise<boolean> => {
    try {
      const session = await openVendorSession({ recordId, attempt: state.attempt });
      state.sessionUrl = session.sessionUrl;
      currentSessionId = session.sessionId;
      sessionsOpened += 1;
      return true;
    } catch (err) {
      const failure = failureOf(err, 'VendorUnavailable');
      log.warn('vendor session could not be opened', { recordId, attempt: state.attempt, failure });
      state.sessionUrl = null;
      state.failure = failure;
      await moveTo('error', 'SESSION_FAILED', { reason: 'We could not open an identity-verification session with our provider.', nextAction: DEFAULT_STATUS_TEXT.error.nextAction }, { failure });
      return false;
    }
  };

  /** Approval, then the wallet upgrade (a saga): if the upgrade fails for good, the approval is compensated and KYC_ROLLBACK recorded. */
  const approve = async (data: EventData): Promise<Next> => {
    await moveTo('approved', 'KYC_APPROVED', DEFAULT_STATUS_TEXT.approved, data);
    try {
      await upgradeWallet({ recordId });
    } catch (err) {
      const failure = failureOf(err, 'WalletUpgradeRefused');
      log.error('wallet upgrade failed for good; rolling back the approval', { recordId, failure });
      await rollbackApproval({ recordId, failure, dedupeKey: `${recordId}:${state.attempt}:KYC_ROLLBACK` });
      state.failure = failure;
      setStatus('error', ROLLED_BACK_TEXT);
    }
    await deliverNotifications({ recordId });
    return 'done';
  };

  const reject = async (eventType: string, text: StatusText, data: EventData): Promise<Next> => {
    await moveTo('rejected', eventType, text, data);
    await deliverNotifications({ recordId });
    return 'done';
  };

  /** The vendor asked for new photos (or a reviewer did): the customer may retry, up to the cap, then the verification is rejected. */
  const requestResubmission = async (eventType: string, text: StatusText, data: EventData): Promise<Next> => {
    if (state.attempt > settings.maxRetries) {
      return reject('RETRY_LIMIT_REACHED', { reason: `Verification failed after ${state.attempt} attempts.`, nextAction: 'Contact support to continue.' }, data);
    }
    await moveTo('resubmission_required', eventType, text, data);
    await deliverNotifications({ recordId });
    return 'continue';
  };

  /** Manual review as a child workflow; its outcome decides like a vendor decision would. */
  const sendToReview = async (fourEyes: boolean, data: EventData): Promise<Next> => {
    await moveTo('under_review', 'SENT_TO_REVIEW', DEFAULT_STATUS_TEXT.under_review, data);
    const outcome = await executeChild(kycReview, {
      workflowId: reviewWorkflowId(workflowInfo().workflowId, state.attempt),
      args: [{ recordId, fourEyes, reviewSlaSeconds: settings.reviewSlaSeconds, escalationSlaSeconds: settings.escalationSlaSeconds }],
    });
    const reviewed = { ...data, reviewDecision: outcome.decision, reviewReasonCode: outcome.reasonCode, approvers: outcome.approvers };
    if (outcome.decision === 'approve') return approve(reviewed);
    if (outcome.decision === 'reject') return reject('REVIEW_REJECTED', REVIEW_REJECTION_TEXT[outcome.reasonCode ?? 'other'], reviewed);
    return requestResubmission('REVIEW_RESUBMISSION', DEFAULT_STATUS_TEXT.resubmission_required, reviewed);
  };

  /** Screen and score before anything is granted: a clean approval goes through, doubtful cases go to people. */
  const screenAndRoute = async (update: Extract<VendorUpdate, { kind: 'decision' }>, data: EventData): Promise<Next> => {
    const risk = await assessRisk({ recordId, receiptId: update.receiptId, attempt: state.attempt });
    upsertSearchAttributes([{ key: KycRiskScoreKey, value: risk.score }]);
    if (update.status === 'approved' && !risk.needsReview) return approve(data);
    return sendToReview(risk.needsFourEyes, { ...data, riskScore: risk.score, riskCodes: risk.reasons.map((r) => r.code) });
  };

  const onDecision = async (update: Extract<VendorUpdate, { kind: 'decision' }>): Promise<Next> => {
    const text = vendorDecisionText(update.status, update.reasonCode);
    const data: EventData = { vendorStatus: update.status, reasonCode: update.reasonCode, receiptId: update.receiptId, attempt: state.attempt };
    switch (update.status) {
      case 'approved':
      case 'review':
        return screenAndRoute(update, data);
      case 'declined':
        return reject('KYC_REJECTED', text, data);
      case 'expired':
      case 'abandoned':
        await moveTo('expired', 'VENDOR_EXPIRED', text, data);
        return 'done';
      case 'resubmission_requested':
        return requestResubmission('RESUBMISSION_REQUESTED', text, data);
    }
  };

  /** Events only move forward: after a decision (or out of order) they change nothing. */
  const onEvent = async (update: Extract<VendorUpdate, { kind: 'event' }>): Promise<Next> => {
    const to = vendorEventAdvances(state.status, update.action);
    if (to) await moveTo(to, update.action === 'started' ? 'VENDOR_STARTED' : 'VENDOR_SUBMITTED');
    return 'continue';
  };

  /** After a resubmission request: wait for the customer's retry (a new attempt with a new session) within the window. */
  const awaitRetry = async (): Promise<Next> => {
    const retried = await condition(() => retryRequested, settings.resubmissionWindowSeconds * 1000);
    if (!retried) {
      await moveTo('expired', 'RESUBMISSION_WINDOW_CLOSED', { reason: 'The time to retry the verification has passed.', nextAction: 'Start a new verification.' });
      return 'done';
    }
    retryRequested = false;
    state.attempt += 1;
    state.sessionUrl = null;
    await moveTo('pending', 'RETRY_STARTED', { reason: `Attempt ${state.attempt} of ${settings.maxRetries + 1}: your new verification session is ready.`, nextAction: DEFAULT_STATUS_TEXT.pending.nextAction });
    return (await openSession()) ? 'continue' : 'done';
  };

  /**
   * The customer has KYC_SESSION_TIMEOUT to finish the flow. Once submitted, the vendor owes us a
   * decision; if its webhook does not come, we ask the vendor for it rather than wait silently.
   */
  const awaitVendor = async (): Promise<Next> => {
    const waitingForCustomer = state.status === 'pending' || state.status === 'in_progress';
    const arrived = await condition(() => inbox.length > 0, settings.sessionTimeoutSeconds * 1000);
    if (!arrived) {
      if (waitingForCustomer) {
        await moveTo('expired', 'SESSION_TIMEOUT', DEFAULT_STATUS_TEXT.expired, { timeoutSeconds: settings.sessionTimeoutSeconds });
        return 'done';
      }
      if (state.status === 'submitted' && currentSessionId) {
        const decision = await fetchVendorDecision({ recordId, sessionId: currentSessionId });
        if (decision) accept(decision);
      }
      return 'continue';
    }
    const update = inbox.shift()!;
    // A late webhook from an earlier attempt's session must not decide the current attempt.
    if (update.sessionId !== currentSessionId) {
      log.info('ignoring webhook for a session that is not current', { recordId, receiptId: update.receiptId });
      return 'continue';
    }
    return update.kind === 'event' ? onEvent(update) : onDecision(update);
  };

  upsertSearchAttributes([
    { key: KycRecordIdKey, value: recordId },
    { key: KycStatusKey, value: state.status },
    { key: KycCountryKey, value: 'application' in input ? input.application.country : input.country },
  ]);

  const run = async (): Promise<VerificationState> => {
    try {
      await createKycRecord({ recordId, userId: input.userId, ...('application' in input ? { application: input.application } : { sealedApplication: input.sealedApplication }) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Nothing was written, so there is no record to move: the result says why the verification ended.
      state.failure = failureOf(err, 'RecordRefused');
      log.error('the verification record could not be created', { recordId, failure: state.failure });
      setStatus('error', { reason: 'Your verification could not be recorded.', nextAction: 'Contact support; nothing was sent to our identity provider.' });
      return state;
    }
    if (!(await openSession())) return state;
    for (;;) {
      const next = state.status === 'resubmission_required' ? await awaitRetry() : await awaitVendor();
      if (next === 'done') return state;
    }
  };

  try {
    return await run();
  } catch (err) {
    if (!isCancellation(err) || !patched(CLOSE_ON_CANCEL_PATCH)) throw err;
    // Whatever was under way when the cancellation came, the record must not stay open: withdrawn
    // in a scope the cancellation does not reach, then the workflow ends as cancelled.
    await CancellationScope.nonCancellable(async () => {
      const text = { reason: 'This verification was closed at your request.', nextAction: 'Nothing to do.' };
      if (!isTerminal(state.status) && (await withdrawVerification({ recordId, attempt: state.attempt, ...text })).withdrawn) setStatus('expired', text);
    });
    throw err;
  }
}
