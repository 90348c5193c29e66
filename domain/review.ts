import { z } from 'zod';

// Seed 000's admin-review process: what a reviewer may decide and why.

export const reviewDecisionSchema = z.enum(['approve', 'reject', 'escalate', 'request_resubmission']);
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;

// Closed set of rejection reasons: reports and appeals need codes, not prose.
export const reviewReasonCodeSchema = z.enum(['document_invalid', 'data_mismatch', 'fraud_suspected', 'sanctions_hit', 'duplicate_identity', 'underage', 'other']);
export type ReviewReasonCode = z.infer<typeof reviewReasonCodeSchema>;

export const REVIEWER_ROLES = ['reviewer', 'senior_reviewer'] as const;
export type ReviewerRole = (typeof REVIEWER_ROLES)[number];

export interface ReviewDecisionInput {
  taskId: string;
  actorId: string;
  actorRole: ReviewerRole;
  decision: ReviewDecision;
  reasonCode?: ReviewReasonCode;
  notes?: string;
}

export interface ReviewOutcome {
  decision: 'approve' | 'reject' | 'request_resubmission';
  reasonCode: ReviewReasonCode | null;
  decidedBy: string;
  approvers: string[];
}

export interface ReviewState {
  recordId: string;
  taskId: string | null;
  assigneeId: string | null;
  level: 'standard' | 'senior';
  stage: 'review' | 'second_approval';
  firstApproverId: string | null;
  dueAt: string | null;
  escalated: boolean;
  opsAlerted: boolean;
  outcome: ReviewOutcome | null;
}

export type ReviewDecisionResult = { accepted: true; state: ReviewState };

// What the customer reads when a reviewer rejects; internal suspicions are never spelled out.
const CONTACT_SUPPORT = 'Contact support if you believe this is a mistake.';
export const REVIEW_REJECTION_TEXT: Record<ReviewReasonCode, { reason: string; nextAction: string }> = {
  document_invalid: { reason: 'The document could not be accepted after review.', nextAction: 'Start a new verification with a valid document.' },
  data_mismatch: { reason: 'The details you entered do not match your document.', nextAction: 'Start a new verification with your details exactly as on the document.' },
  fraud_suspected: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
  sanctions_hit: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
  duplicate_identity: { reason: 'This identity is already used on another account.', nextAction: CONTACT_SUPPORT },
  underage: { reason: 'You must be 18 or older to verify.', nextAction: CONTACT_SUPPORT },
  other: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
};
