import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { vendorDecisionText } from '../domain/decision';
import { DEFAULT_STATUS_TEXT, isTerminal, type KycStatus } from '../domain/status';
import type { KycWorkflowInput, KycWorkflowState, StartVerificationResult, VendorUpdate } from '../domain/verification';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY, VENDOR_RETRY } from './policies';
import { KycCountryKey, KycRecordIdKey, KycStatusKey } from './search-attributes';

// Seed 000's BPMN "Customer KYC Verification" as durable code: validate, persist, open the Veriff
// session, wait for Veriff's webhooks (signals) under the session timeout, then branch.

export const startSessionUpdate = defineUpdate<StartVerificationResult>('startSession');
export const vendorUpdateSignal = defineSignal<[VendorUpdate]>('vendorUpdate');
export const stateQuery = defineQuery<KycWorkflowState>('state');

type Activities = ReturnType<typeof createActivities>;

const db = proxyActivities<Activities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: DATABASE_RETRY });
const vendor = proxyActivities<Activities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.vendor, retry: VENDOR_RETRY });

export async function kycVerification(input: KycWorkflowInput): Promise<KycWorkflowState> {
  const { recordId } = input;
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

  setHandler(stateQuery, () => state);
  setHandler(vendorUpdateSignal, (update) => {
    // Veriff redelivers; one effect per (session, attempt, status or action).
    const key = `${update.sessionId}:${update.attemptId}:${update.kind === 'event' ? update.action : update.status}`;
    if (seen.has(key)) return;
    seen.add(key);
    inbox.push(update);
  });
  setHandler(startSessionUpdate, async () => {
    await condition(() => state.sessionUrl !== null || isTerminal(state.status));
    return {
      recordId: state.recordId,
      status: state.status,
      reason: state.reason,
      nextAction: state.nextAction,
      sessionUrl: state.sessionUrl,
      validationErrors: state.validationErrors,
    };
  });

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
    state.validationErrors = validation.errors;
    setStatus('validation_failed');
    return state;
  }

  upsertSearchAttributes([{ key: KycCountryKey, value: validation.value.country }]);
  await db.createKycRecord({ recordId, userId: input.userId, application: validation.value });

  const moveTo = async (to: KycStatus, eventType: string, text = DEFAULT_STATUS_TEXT[to], data?: Record<string, unknown>) => {
    const from = state.status;
    await db.transition({ recordId, from, to, reason: text.reason, nextAction: text.nextAction, eventType, data, dedupeKey: `${recordId}:${state.attempt}:${eventType}` });
    setStatus(to, text);
  };

  try {
    const session = await vendor.openVeriffSession({ recordId, attempt: state.attempt });
    state.sessionUrl = session.sessionUrl;
    currentSessionId = session.sessionId;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    log.warn('Veriff session could not be opened', { recordId, failure: cause?.type ?? 'unknown' });
    await moveTo('error', 'SESSION_FAILED', {
      reason: 'We could not open an identity-verification session with our provider.',
      nextAction: DEFAULT_STATUS_TEXT.error.nextAction,
    }, { failure: cause?.type ?? 'unknown' });
    return state;
  }

  const sessionTimeoutMs = input.settings.sessionTimeoutSeconds * 1000;
  for (;;) {
    // The customer has KYC_SESSION_TIMEOUT to finish the flow; once submitted, Veriff owes us a decision.
    const waiting = state.status === 'pending' || state.status === 'in_progress';
    const arrived = waiting ? await condition(() => inbox.length > 0, sessionTimeoutMs) : (await condition(() => inbox.length > 0), true);
    if (!arrived) {
      await moveTo('expired', 'SESSION_TIMEOUT', DEFAULT_STATUS_TEXT.expired, { timeoutSeconds: input.settings.sessionTimeoutSeconds });
      return state;
    }
    const update = inbox.shift()!;
    // A late webhook from an earlier attempt's session must not decide the current attempt.
    if (update.sessionId !== currentSessionId) {
      log.info('ignoring webhook for a session that is not current', { recordId, receiptId: update.receiptId });
      continue;
    }
    if (update.kind === 'event') {
      if (update.action === 'started' && state.status === 'pending') await moveTo('in_progress', 'VERIFF_STARTED');
      if (update.action === 'submitted' && (state.status === 'pending' || state.status === 'in_progress')) await moveTo('submitted', 'VERIFF_SUBMITTED');
      continue;
    }
    const text = vendorDecisionText(update.status, update.reasonCode);
    const data = { vendorStatus: update.status, reasonCode: update.reasonCode, receiptId: update.receiptId };
    switch (update.status) {
      case 'approved':
        await moveTo('approved', 'KYC_APPROVED', text, data);
        await db.upgradeWallet({ recordId });
        await db.deliverNotifications({ recordId });
        return state;
      case 'declined':
        await moveTo('rejected', 'KYC_REJECTED', text, data);
        await db.deliverNotifications({ recordId });
        return state;
      case 'expired':
      case 'abandoned':
        await moveTo('expired', 'VERIFF_EXPIRED', text, data);
        return state;
      case 'resubmission_requested':
      case 'review':
        await moveTo(update.status === 'review' ? 'under_review' : 'resubmission_required', 'VERIFF_DECISION', text, data);
        await db.deliverNotifications({ recordId });
        continue;
    }
  }
}
