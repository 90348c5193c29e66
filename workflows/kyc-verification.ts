import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { vendorDecisionText } from '../domain/decision';
import { REVIEW_REJECTION_TEXT } from '../domain/review';
import { DEFAULT_STATUS_TEXT, isTerminal, ROLLED_BACK_TEXT, type KycStatus } from '../domain/status';
import type { KycWorkflowInput, KycWorkflowState, StartVerificationResult, VendorUpdate } from '../domain/verification';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY, VENDOR_RETRY, WALLET_RETRY } from './policies';
import { kycReview } from './kyc-review';
import { KycCountryKey, KycRecordIdKey, KycRiskScoreKey, KycStatusKey } from './search-attributes';

// Seed 000's BPMN "Customer KYC Verification" as durable code: validate, persist, open the Veriff
// session, wait for Veriff's webhooks (signals) under the session timeout, then branch.

export const startSessionUpdate = defineUpdate<StartVerificationResult>('startSession');
export const retryUpdate = defineUpdate<StartVerificationResult>('retry');
export const vendorUpdateSignal = defineSignal<[VendorUpdate]>('vendorUpdate');
export const stateQuery = defineQuery<KycWorkflowState>('state');

type Activities = ReturnType<typeof createActivities>;

const db = proxyActivities<Activities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: DATABASE_RETRY });
const vendor = proxyActivities<Activities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.vendor, retry: VENDOR_RETRY });
const wallet = proxyActivities<Activities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: WALLET_RETRY });

// Business outcomes: the workflow completes normally in each of them; its result is the final state.
export async function kycVerification(input: KycWorkflowInput): Promise<KycWorkflowState> {
  const { recordId, settings } = input;
  const state: KycWorkflowState = {
    recordId,
    status: 'pending',
    ...DEFAULT_STATUS_TEXT.pending,
    sessionUrl: null,
    attempt: 1,
    validationErrors: [],
  };
  const inbox: VendorUpdate[] = [];
  const seen = new Set<string>();
  let currentSessionId: string | null = null;
  let retryRequested = false;
  let sessionsOpened = 0;
  // The status being written right now: the database (which the API reads) is a moment ahead of
  // `state.status` while a transition activity runs, and a customer may act on what they read.
  let enteringStatus: KycStatus | null = null;

  const snapshot = (): StartVerificationResult => ({
    recordId: state.recordId,
    status: state.status,
    reason: state.reason,
    nextAction: state.nextAction,
    sessionUrl: state.sessionUrl,
    validationErrors: state.validationErrors,
  });

  // Veriff redelivers, and a polled decision may meet its webhook: one effect per
  // (session, attempt, status or action), whichever way it came.
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
          throw ApplicationFailure.nonRetryable(`a retry is possible only when a resubmission is required (status is ${status})`, 'RetryNotAllowed');
        }
      },
    },
  );

  const setStatus = (status: KycStatus, text = DEFAULT_STATUS_TEXT[status]) => {
    state.status = status;
    state.reason = text.reason;
    state.nextAction = text.nextAction;
    upsertSearchAttributes([{ key: KycStatusKey, value: status }]);
  };

  upsertSearchAttributes([
    { key: KycRecordIdKey, value: recordId },
    { key: KycStatusKey, value: state.status },
  ]);

  const validation = await db.validateApplication(input.application);
  if (!validation.ok) {
    // Nothing is created for an invalid application: the result carries the field errors.
    state.validationErrors = validation.errors;
    setStatus('validation_failed');
    return state;
  }

  upsertSearchAttributes([{ key: KycCountryKey, value: validation.value.country }]);
  await db.createKycRecord({ recordId, userId: input.userId, application: validation.value });

  const moveTo = async (to: KycStatus, eventType: string, text = DEFAULT_STATUS_TEXT[to], data?: Record<string, unknown>) => {
    enteringStatus = to;
    try {
      await db.transition({ recordId, from: state.status, to, reason: text.reason, nextAction: text.nextAction, eventType, data, dedupeKey: `${recordId}:${state.attempt}:${eventType}` });
    } finally {
      enteringStatus = null;
    }
    setStatus(to, text);
  };

  // Opens the session of the current attempt; false when Veriff refused or stayed unreachable.
  const openSession = async (): Promise<boolean> => {
    try {
      const session = await vendor.openVeriffSession({ recordId, attempt: state.attempt });
      state.sessionUrl = session.sessionUrl;
      currentSessionId = session.sessionId;
      sessionsOpened += 1;
      return true;
    } catch (err) {
      const failure = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause.type ?? 'ApplicationFailure' : 'VendorUnavailable';
      log.warn('Veriff session could not be opened', { recordId, attempt: state.attempt, failure });
      state.sessionUrl = null;
      await moveTo(
        'error',
        'SESSION_FAILED',
        { reason: 'We could not open an identity-verification session with our provider.', nextAction: DEFAULT_STATUS_TEXT.error.nextAction },
        { failure },
      );
      return false;
    }
  };

  if (!(await openSession())) return state;

  for (;;) {
    // The customer has KYC_SESSION_TIMEOUT to finish the flow. Once submitted, Veriff owes us a
    // decision; if its webhook does not come, we ask Veriff for it rather than wait silently.
    if (state.status === 'resubmission_required') {
      const retried = await condition(() => retryRequested, settings.resubmissionWindowSeconds * 1000);
      if (!retried) {
        await moveTo('expired', 'RESUBMISSION_WINDOW_CLOSED', { reason: 'The time to retry the verification has passed.', nextAction: 'Start a new verification.' });
        return state;
      }
      retryRequested = false;
      state.attempt += 1;
      state.sessionUrl = null;
      await moveTo('pending', 'RETRY_STARTED', { reason: `Attempt ${state.attempt} of ${settings.maxRetries + 1}: your new verification session is ready.`, nextAction: DEFAULT_STATUS_TEXT.pending.nextAction });
      if (!(await openSession())) return state;
      continue;
    }

    const waitingForCustomer = state.status === 'pending' || state.status === 'in_progress';
    const arrived = await condition(() => inbox.length > 0, settings.sessionTimeoutSeconds * 1000);
    if (!arrived) {
      if (waitingForCustomer) {
        await moveTo('expired', 'SESSION_TIMEOUT', DEFAULT_STATUS_TEXT.expired, { timeoutSeconds: settings.sessionTimeoutSeconds });
        return state;
      }
      if (state.status === 'submitted' && currentSessionId) {
        const decision = await vendor.fetchVeriffDecision({ recordId, sessionId: currentSessionId });
        if (decision) accept(decision);
      }
      continue;
    }

    const update = inbox.shift()!;
    // A late webhook from an earlier attempt's session must not decide the current attempt.
    if (update.sessionId !== currentSessionId) {
      log.info('ignoring webhook for a session that is not current', { recordId, receiptId: update.receiptId });
      continue;
    }
    if (update.kind === 'event') {
      // Events only move forward: after a decision (or out of order) they change nothing.
      if (update.action === 'started' && state.status === 'pending') await moveTo('in_progress', 'VERIFF_STARTED');
      if (update.action === 'submitted' && (state.status === 'pending' || state.status === 'in_progress')) await moveTo('submitted', 'VERIFF_SUBMITTED');
      continue;
    }
    const text = vendorDecisionText(update.status, update.reasonCode);
    const data = { vendorStatus: update.status, reasonCode: update.reasonCode, receiptId: update.receiptId, attempt: state.attempt };
    switch (update.status) {
      case 'approved':
      case 'review': {
        // Screen and score before anything is granted; doubtful cases go to people.
        const risk = await db.assessRisk({ recordId, receiptId: update.receiptId, attempt: state.attempt });
        upsertSearchAttributes([{ key: KycRiskScoreKey, value: risk.score }]);
        if (update.status === 'approved' && !risk.needsReview) {
          await approve(data);
          return state;
        }
        await moveTo('under_review', 'SENT_TO_REVIEW', DEFAULT_STATUS_TEXT.under_review, { ...data, riskScore: risk.score, riskCodes: risk.reasons.map((r) => r.code) });
        const outcome = await executeChild(kycReview, {
          workflowId: `${workflowInfo().workflowId}-review-${state.attempt}`,
          args: [{ recordId, fourEyes: risk.needsReview, reviewSlaSeconds: settings.reviewSlaSeconds, escalationSlaSeconds: settings.escalationSlaSeconds }],
        });
        const reviewed = { ...data, reviewDecision: outcome.decision, reviewReasonCode: outcome.reasonCode, approvers: outcome.approvers };
        if (outcome.decision === 'approve') {
          await approve(reviewed);
          return state;
        }
        if (outcome.decision === 'reject') {
          await moveTo('rejected', 'REVIEW_REJECTED', REVIEW_REJECTION_TEXT[outcome.reasonCode ?? 'other'], reviewed);
          await db.deliverNotifications({ recordId });
          return state;
        }
        await moveTo('resubmission_required', 'REVIEW_RESUBMISSION', DEFAULT_STATUS_TEXT.resubmission_required, reviewed);
        await db.deliverNotifications({ recordId });
        continue;
      }
      case 'declined':
        await moveTo('rejected', 'KYC_REJECTED', text, data);
        await db.deliverNotifications({ recordId });
        return state;
      case 'expired':
      case 'abandoned':
        await moveTo('expired', 'VERIFF_EXPIRED', text, data);
        return state;
      case 'resubmission_requested':
        if (state.attempt > settings.maxRetries) {
          await moveTo('rejected', 'RETRY_LIMIT_REACHED', { reason: `Verification failed after ${state.attempt} attempts.`, nextAction: 'Contact support to continue.' }, data);
        } else {
          await moveTo('resubmission_required', 'RESUBMISSION_REQUESTED', text, data);
        }
        await db.deliverNotifications({ recordId });
        if (state.status === 'rejected') return state;
        continue;
    }
  }

  // Saga (seed 002): approval, then the wallet upgrade; if the upgrade fails for good, the
  // approval is compensated so record and wallet never disagree, and KYC_ROLLBACK is recorded.
  async function approve(data: Record<string, unknown>): Promise<void> {
    await moveTo('approved', 'KYC_APPROVED', DEFAULT_STATUS_TEXT.approved, data);
    try {
      await wallet.upgradeWallet({ recordId });
    } catch (err) {
      const failure = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause.type ?? 'ApplicationFailure' : 'UpgradeFailed';
      log.error('wallet upgrade failed for good; rolling back the approval', { recordId, failure });
      await db.rollbackApproval({ recordId, failure, dedupeKey: `${recordId}:${state.attempt}:KYC_ROLLBACK` });
      setStatus('error', ROLLED_BACK_TEXT);
    }
    await db.deliverNotifications({ recordId });
  }
}
