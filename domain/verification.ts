import { type Config } from './config';
import { type FieldError } from './field-error';
import { type KycApplication } from './kyc-application';
import { type KycStatus } from './status';

// Messages between the API, the workflow and its activities. Only ids, statuses and codes cross
// into the workflow from webhooks: the person data Veriff extracted stays in the encrypted receipt.

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

export interface KycWorkflowInput {
  recordId: string;
  userId: string;
  application: KycApplication;
  settings: VerificationSettings;
}

export type VendorEventAction = 'started' | 'submitted';
export type VendorDecisionStatus = 'approved' | 'declined' | 'resubmission_requested' | 'review' | 'expired' | 'abandoned';

export type VendorUpdate =
  | { kind: 'event'; receiptId: string; sessionId: string; attemptId: string; action: VendorEventAction }
  | { kind: 'decision'; receiptId: string; sessionId: string; attemptId: string; status: VendorDecisionStatus; reasonCode: number | null };

export interface KycWorkflowState {
  recordId: string;
  status: KycStatus;
  reason: string;
  nextAction: string;
  sessionUrl: string | null;
  attempt: number;
  validationErrors: FieldError[];
}

export type StartVerificationResult = Pick<KycWorkflowState, 'recordId' | 'status' | 'reason' | 'nextAction' | 'sessionUrl' | 'validationErrors'>;
