import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { type Config } from '../domain/config';
import { type VendorDecisionStatus, type VendorEventAction } from '../domain/decision';
import { type ApplicationAddress, type KycApplication } from '../domain/kyc-application';
import { type KycStatus } from '../domain/status';

// The contract of the verification workflow (workflows/kyc-verification.ts): what starts it, the
// messages it takes and answers, its id, and the failure types it and its activities use. The API,
// the web pages and the tests import this file, never the workflow itself. No Node APIs here.

/** The workflow type (the function's name in workflows/kyc-verification.ts). */
export const VERIFICATION_WORKFLOW_TYPE = 'kycVerification';

/** One workflow per customer: its id is how "one active verification per customer" is enforced. */
export const verificationWorkflowId = (userId: string): string => `kyc-${userId}`;

export interface VerificationSettings {
  sessionTimeoutSeconds: number;
  maxRetries: number;
  resubmissionWindowSeconds: number;
  reviewSlaSeconds: number;
  escalationSlaSeconds: number;
}

export function verificationSettings(config: Pick<Config, 'KYC_SESSION_TIMEOUT' | 'KYC_MAX_RETRIES' | 'KYC_RESUBMISSION_WINDOW' | 'KYC_REVIEW_SLA' | 'KYC_ESCALATION_SLA'>): VerificationSettings {
  return {
    sessionTimeoutSeconds: config.KYC_SESSION_TIMEOUT,
    maxRetries: config.KYC_MAX_RETRIES,
    resubmissionWindowSeconds: config.KYC_RESUBMISSION_WINDOW,
    reviewSlaSeconds: config.KYC_REVIEW_SLA,
    escalationSlaSeconds: config.KYC_ESCALATION_SLA,
  };
}

/**
 * The input: an application the API has already validated (domain/kyc-application.ts), so the
 * workflow does not judge it again. It is personal data, so the API seals it with the customer's
 * data key (`sealedApplication`, store/personal-data.ts): the history holds nothing readable once
 * that key is destroyed, even to someone holding every service key. The workflow reads in clear
 * only the country (a search attribute, not personal data). Workflows started by 0.2.0 carry the
 * application in clear (the payload codec encrypted it with the service key); they still replay.
 */
export type KycVerificationInput = { recordId: string; userId: string; settings: VerificationSettings } & (
  | { sealedApplication: string; country: string }
  | { application: KycApplication }
);

/** What a vendor webhook (or a decision we fetched) tells the workflow: ids, statuses and codes only. */
export type VendorUpdate =
  | { kind: 'event'; receiptId: string; sessionId: string; attemptId: string; action: VendorEventAction }
  | { kind: 'decision'; receiptId: string; sessionId: string; attemptId: string; status: VendorDecisionStatus; reasonCode: number | null };

/**
 * Failure types: refusals of the retry update, and the non-retryable failures of activities (the
 * retry policies in workflows/policies.ts and the API's refusal map are checked against this list).
 */
export const VERIFICATION_FAILURES = [
  // The retry update came when no resubmission was asked for (or one is already under way).
  'RetryNotAllowed',
  // The vendor refused the session request (a 4xx): our data or our integration is wrong.
  'VendorRequestRejected',
  // The vendor stayed unreachable through every retry.
  'VendorUnavailable',
  // The address amendment came after the vendor session was opened (or the verification moved on).
  'AmendNotAllowed',
  // The record could not be written for a reason a retry will not change (e.g. the customer's account is gone).
  'RecordRefused',
  // The wallet cannot be upgraded (account closed, record not approved): the approval is compensated.
  'WalletUpgradeRefused',
] as const;

/**
 * Cancelling a verification (the customer's erasure does) closes it: the record is withdrawn
 * (`expired`, with an audit event), its review tasks are cancelled, and the workflow ends as
 * cancelled. A 0.2.0 workflow running when this shipped meets it behind this patch.
 */
export const CLOSE_ON_CANCEL_PATCH = 'close-on-cancel';
export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

/**
 * The verification's failure for an activity's failure type: the type itself when it is one of the
 * list above, else `fallback`. An activity out of attempts fails with its last attempt's own error
 * (the vendor's 5xx, a driver's error), which no API client has an answer for.
 */
export function verificationFailureOf(type: string | null | undefined, fallback: VerificationFailure): VerificationFailure {
  return VERIFICATION_FAILURES.find((known) => known === type) ?? fallback;
}

export interface VerificationState {
  recordId: string;
  status: KycStatus;
  reason: string;
  nextAction: string;
  sessionUrl: string | null;
  attempt: number;
  /** Why the verification ended in `error`, when it did. */
  failure: VerificationFailure | null;
}

/** What a start or a retry answers: the state once the session of the attempt is open (or the verification could not go on). */
export type SessionSnapshot = Pick<VerificationState, 'recordId' | 'status' | 'reason' | 'nextAction' | 'sessionUrl' | 'failure'>;

/**
 * A customer's amendment of the address of a pending application, already validated by the API and
 * sealed with the customer's data key (`sealedAddress`; 0.2.0 sent the `address` in clear).
 */
export type AmendAddressInput = {
  actorId: string;
  /** The names of the fields that changed, for the audit trail. */
  fields: string[];
} & ({ sealedAddress: string } | { address: ApplicationAddress });

export const startSessionUpdate = defineUpdate<SessionSnapshot>('startSession');
export const retryUpdate = defineUpdate<SessionSnapshot>('retry');
export const vendorUpdateSignal = defineSignal<[VendorUpdate]>('vendorUpdate');
export const amendAddressUpdate = defineUpdate<SessionSnapshot, [AmendAddressInput]>('amendAddress');
export const stateQuery = defineQuery<VerificationState>('state');
