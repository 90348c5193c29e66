import { z } from 'zod';

// Manual review: what a reviewer may decide and why, and the rules of who may act on a case. Pure:
// the review workflow (workflows/kyc-review.ts) asks these rules in its update validators and again
// in its handlers; test/unit/review-rules.test.ts holds them to their wording.

export const reviewDecisionSchema = z.enum(['approve', 'reject', 'escalate', 'request_resubmission']);
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;

// Closed set of rejection reasons: reports and appeals need codes, not prose.
export const reviewReasonCodeSchema = z.enum(['document_invalid', 'data_mismatch', 'fraud_suspected', 'sanctions_hit', 'duplicate_identity', 'underage', 'other']);
export type ReviewReasonCode = z.infer<typeof reviewReasonCodeSchema>;

export const REVIEWER_ROLES = ['reviewer', 'senior_reviewer'] as const;
export type ReviewerRole = (typeof REVIEWER_ROLES)[number];

export const REVIEW_LEVELS = ['standard', 'senior'] as const;
export type ReviewLevel = (typeof REVIEW_LEVELS)[number];

/** `second_approval`: a first reviewer approved a four-eyes case; a different one must confirm. */
export const REVIEW_STAGES = ['review', 'second_approval'] as const;
export type ReviewStage = (typeof REVIEW_STAGES)[number];

/** Why an action on a case is refused: the review workflow's failure types (its contract re-exports them). */
export const REVIEW_REFUSALS = [
  'ReviewClosed',
  'NotAllowed',
  'NotAssignee',
  'FourEyes',
  'DecisionInProgress',
  'ReasonCodeRequired',
  'AlreadyEscalated',
  'DecisionNotOffered',
  // The screening forbids an approval (domain/screening.ts screeningApprovalRefusal).
  'ScreeningUnresolved',
  'HitNotFound',
  'HitAlreadyResolved',
  // The actor named is not an active user holding the role claimed (store/review-tasks.ts).
  'ActorNotAllowed',
] as const;
export type ReviewRefusal = (typeof REVIEW_REFUSALS)[number];

export interface Refusal {
  type: ReviewRefusal;
  message: string;
}

/** What the rules look at: the open task of a case and who holds it. */
export interface ReviewSituation {
  closed: boolean;
  taskId: string | null;
  assigneeId: string | null;
  level: ReviewLevel;
  stage: ReviewStage;
  firstApproverId: string | null;
  /** A decision is being recorded: a second one arriving meanwhile is refused, so exactly one wins. */
  deciding: boolean;
  /** The decisions this review offers; null: every decision. */
  decisions: readonly ReviewDecision[] | null;
}

export interface ReviewActor {
  taskId: string;
  actorId: string;
  actorRole: ReviewerRole;
}

const refuse = (type: ReviewRefusal, message: string): Refusal => ({ type, message });
const FOUR_EYES_TEXT = 'The second approval must come from a different reviewer than the first';

/** Who may take a case: anyone an unassigned one, a senior reviewer any (escalated cases only seniors); never the first approver of a four-eyes case. */
export function claimRefusal(situation: ReviewSituation, actor: ReviewActor): Refusal | null {
  if (situation.closed || actor.taskId !== situation.taskId) return refuse('ReviewClosed', 'This review task is no longer open');
  if (actor.actorId === situation.assigneeId) return null;
  if (situation.assigneeId !== null && actor.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'This case is assigned to another reviewer; only a senior reviewer may take it over');
  if (situation.level === 'senior' && actor.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'Escalated cases are for senior reviewers');
  if (situation.stage === 'second_approval' && actor.actorId === situation.firstApproverId) return refuse('FourEyes', FOUR_EYES_TEXT);
  return null;
}

/** Who may decide: the assignee or a senior reviewer; escalated cases only seniors; a rejection needs a reason code. */
export function decisionRefusal(situation: ReviewSituation, decision: ReviewActor & { decision: ReviewDecision; reasonCode?: ReviewReasonCode | null }): Refusal | null {
  if (situation.closed || decision.taskId !== situation.taskId) return refuse('ReviewClosed', 'This review task is no longer open');
  if (situation.deciding) return refuse('DecisionInProgress', 'Another decision on this case is being recorded');
  if (situation.stage === 'second_approval' && decision.actorId === situation.firstApproverId) return refuse('FourEyes', FOUR_EYES_TEXT);
  if (decision.actorId !== situation.assigneeId && decision.actorRole !== 'senior_reviewer') return refuse('NotAssignee', 'This case is assigned to another reviewer');
  if (situation.level === 'senior' && decision.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'Escalated cases are decided by senior reviewers');
  if (situation.decisions && !situation.decisions.includes(decision.decision)) return refuse('DecisionNotOffered', `This review does not offer "${decision.decision}"; its decisions are ${situation.decisions.join(', ')}`);
  if (decision.decision === 'reject' && !decision.reasonCode) return refuse('ReasonCodeRequired', 'A reason code is required to reject');
  if (decision.decision === 'escalate' && situation.level === 'senior') return refuse('AlreadyEscalated', 'The case is already with a senior reviewer');
  return null;
}

/** An approval of a four-eyes case by its first reviewer opens a second-approval task instead of closing the case. */
export function approvalNeedsSecondReviewer(situation: Pick<ReviewSituation, 'stage'>, decision: ReviewDecision, fourEyes: boolean): boolean {
  return decision === 'approve' && fourEyes && situation.stage === 'review';
}

// What the customer reads when a reviewer rejects; internal suspicions are never spelled out.
const CONTACT_SUPPORT = 'Contact support if you believe this is a mistake.';
export const REVIEW_REJECTION_TEXT: Record<ReviewReasonCode, { reason: string; nextAction: string }> = {
  document_invalid: { reason: 'The document could not be accepted after review.', nextAction: 'Start a new verification with a valid document.' },
  data_mismatch: { reason: 'The details you entered do not match your document.', nextAction: 'Start a new verification with your details exactly as on the document.' },
  fraud_suspected: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
  sanctions_hit: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
  duplicate_identity: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
  underage: { reason: 'You must be 18 or older to verify.', nextAction: CONTACT_SUPPORT },
  other: { reason: 'We could not verify your identity after review.', nextAction: CONTACT_SUPPORT },
};

/**
 * Who may resolve a sanctions or PEP hit on a case: whoever may decide it (the assignee, or a
 * senior reviewer; escalated cases only seniors), while its review is open.
 */
export function hitResolutionRefusal(situation: ReviewSituation, actor: ReviewActor): Refusal | null {
  if (situation.closed || actor.taskId !== situation.taskId) return refuse('ReviewClosed', 'This review task is no longer open');
  if (situation.deciding) return refuse('DecisionInProgress', 'Another decision on this case is being recorded');
  if (actor.actorId !== situation.assigneeId && actor.actorRole !== 'senior_reviewer') return refuse('NotAssignee', 'This case is assigned to another reviewer');
  if (situation.level === 'senior' && actor.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'Escalated cases are decided by senior reviewers');
  return null;
}
