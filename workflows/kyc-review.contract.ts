import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { type ReviewDecision, type ReviewerRole, type ReviewLevel, type ReviewReasonCode, type ReviewRefusal, type ReviewStage } from '../domain/review';
import { type CaseHitStatus, type HitResolution, type ListGap } from '../domain/screening';

// The contract of the manual-review workflow (workflows/kyc-review.ts), a child of the
// verification: its input, its updates and query, its id, its failure types. No Node APIs here.

/** The review of one attempt of a verification; the verification starts it, the API finds it by the same id. */
export const reviewWorkflowId = (verificationWorkflowId: string, attempt: number): string => `${verificationWorkflowId}-review-${attempt}`;

export interface KycReviewInput {
  recordId: string;
  /** Approving takes two different reviewers (domain/risk.ts: needsFourEyes). */
  fourEyes: boolean;
  reviewSlaSeconds: number;
  escalationSlaSeconds: number;
  /** What the first task says it is for (the audit trail); "Manual review" when absent. */
  purpose?: string;
  /** The decisions this review offers; every decision when absent. */
  decisions?: ReviewDecision[];
}

export interface ClaimInput {
  taskId: string;
  actorId: string;
  actorRole: ReviewerRole;
}

export interface ReviewDecisionInput extends ClaimInput {
  decision: ReviewDecision;
  reasonCode?: ReviewReasonCode;
  /** The reviewer's free text sealed with the customer's data key by the API (it may name people). */
  sealedNotes?: string;
  /** Notes in clear: sent by 0.2.0 only; still accepted so its histories replay. */
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
  level: ReviewLevel;
  stage: ReviewStage;
  firstApproverId: string | null;
  dueAt: string | null;
  escalated: boolean;
  opsAlerted: boolean;
  outcome: ReviewOutcome | null;
  /** The decisions this review offers; null: every decision. */
  decisions: ReviewDecision[] | null;
  /**
   * The case's sanctions and PEP screening as the approval rule sees it (ids and statuses only).
   * Null until the review has read it (reviews started before the workflow held the rules).
   */
  screening?: ReviewScreening | null;
}

/** The case hits of a review's record and the required lists missing when it was last screened. */
export interface ReviewScreening {
  hits: { id: string; status: CaseHitStatus }[];
  gaps: ListGap[];
}

export interface HitResolutionInput extends ClaimInput {
  caseHitId: string;
  resolution: HitResolution;
  /** The reviewer's reason sealed with the customer's data key by the API (free text about a customer). */
  sealedReason?: string;
}

export interface HitResolutionResult {
  status: HitResolution;
  openLeft: number;
  state: ReviewState;
}

export type ReviewDecisionResult = { accepted: true; state: ReviewState };

/** The refusals of the claim, decide and resolveHit updates (the rules are domain/review.ts and domain/screening.ts). */
export type ReviewFailure = ReviewRefusal;

export const decideUpdate = defineUpdate<ReviewDecisionResult, [ReviewDecisionInput]>('decide');
export const claimUpdate = defineUpdate<ReviewState, [ClaimInput]>('claim');
/** A reviewer resolves one sanctions or PEP hit of the case: false positive, or true match (the case is then rejected). */
export const resolveHitUpdate = defineUpdate<HitResolutionResult, [HitResolutionInput]>('resolveHit');
export const reviewStateQuery = defineQuery<ReviewState>('reviewState');
