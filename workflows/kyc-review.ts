import { ApplicationFailure, condition, defineQuery, defineUpdate, proxyActivities, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ReviewDecisionInput, ReviewDecisionResult, ReviewOutcome, ReviewState, ReviewerRole } from '../domain/review';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY } from './policies';
import { KycRecordIdKey, KycReviewerKey, KycReviewLevelKey, KycStatusKey } from './search-attributes';

// Seed 000's "Admin Review Process" as a child of the verification: assign the least-loaded
// reviewer, wait for a decision under the review SLA, escalate to a senior reviewer when it
// passes, alert ops when the escalated SLA passes too, and keep waiting. High-risk approvals
// need four eyes: two different reviewers.

export interface KycReviewInput {
  recordId: string;
  fourEyes: boolean;
  reviewSlaSeconds: number;
  escalationSlaSeconds: number;
}

export interface ClaimInput {
  taskId: string;
  actorId: string;
  actorRole: ReviewerRole;
}

export const decideUpdate = defineUpdate<ReviewDecisionResult, [ReviewDecisionInput]>('decide');
export const claimUpdate = defineUpdate<ReviewState, [ClaimInput]>('claim');
export const reviewStateQuery = defineQuery<ReviewState>('reviewState');

const db = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: DATABASE_RETRY });

// Refusals a reviewer sees, with the rule they broke.
const refuse = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);

export async function kycReview(input: KycReviewInput): Promise<ReviewOutcome> {
  const { recordId } = input;
  const workflowId = workflowInfo().workflowId;
  const state: ReviewState = {
    recordId,
    taskId: null,
    assigneeId: null,
    level: 'standard',
    stage: 'review',
    firstApproverId: null,
    dueAt: null,
    escalated: false,
    opsAlerted: false,
    outcome: null,
  };
  // Bumped on every change that restarts the SLA clock (new task, claim, escalation).
  let version = 0;
  // A decision being recorded: a second one arriving meanwhile is refused, so exactly one wins.
  let deciding = false;
  // A task is being written and assigned: its id is known, its assignee not yet.
  let assigning = false;

  const publish = () =>
    upsertSearchAttributes([
      { key: KycRecordIdKey, value: recordId },
      { key: KycStatusKey, value: state.outcome ? 'review_closed' : state.stage === 'second_approval' ? 'awaiting_second_approval' : 'under_review' },
      { key: KycReviewLevelKey, value: state.level },
      { key: KycReviewerKey, value: state.assigneeId },
    ]);

  const openTask = async (purpose: string, exclude: string[]) => {
    state.taskId = uuid4();
    assigning = true;
    const task = await db.assignReviewer({ taskId: state.taskId, recordId, workflowId, level: 'standard', excludeUserIds: exclude, dueInSeconds: input.reviewSlaSeconds, purpose });
    assigning = false;
    state.assigneeId = task.assigneeId;
    state.dueAt = task.dueAt;
    state.level = 'standard';
    state.escalated = false;
    state.opsAlerted = false;
    version++;
    publish();
  };

  const escalate = async (reason: string, actorId: string | null) => {
    const task = await db.escalateTask({ taskId: state.taskId!, recordId, dueInSeconds: input.escalationSlaSeconds, reason, actorId, excludeUserIds: state.firstApproverId ? [state.firstApproverId] : [] });
    state.assigneeId = task.assigneeId;
    state.dueAt = task.dueAt;
    state.level = 'senior';
    state.escalated = true;
    version++;
    publish();
  };

  const mayAct = (actor: { actorId: string; actorRole: ReviewerRole }) =>
    actor.actorId === state.assigneeId || actor.actorRole === 'senior_reviewer';

  setHandler(reviewStateQuery, () => state);

  // The rules, checked by the validators and again by the handlers once a task being assigned is
  // settled (a reviewer can see a task in the database a moment before the workflow has its assignee).
  const claimRefusal = (actor: ClaimInput): ApplicationFailure | null => {
    if (state.outcome || actor.taskId !== state.taskId) return refuse('ReviewClosed', 'This review task is no longer open');
    if (actor.actorId === state.assigneeId) return null;
    // Anyone may pick up an unassigned case; taking over someone else's is for senior reviewers.
    if (state.assigneeId !== null && actor.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'This case is assigned to another reviewer; only a senior reviewer may take it over');
    if (state.level === 'senior' && actor.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'Escalated cases are for senior reviewers');
    if (state.stage === 'second_approval' && actor.actorId === state.firstApproverId) return refuse('FourEyes', 'The second approval must come from a different reviewer than the first');
    return null;
  };

  const decisionRefusal = (decision: ReviewDecisionInput): ApplicationFailure | null => {
    if (state.outcome || decision.taskId !== state.taskId) return refuse('ReviewClosed', 'This review task is no longer open');
    if (deciding) return refuse('DecisionInProgress', 'Another decision on this case is being recorded');
    if (state.stage === 'second_approval' && decision.actorId === state.firstApproverId) {
      return refuse('FourEyes', 'The second approval must come from a different reviewer than the first');
    }
    if (!mayAct(decision)) return refuse('NotAssignee', 'This case is assigned to another reviewer');
    if (state.level === 'senior' && decision.actorRole !== 'senior_reviewer') return refuse('NotAllowed', 'Escalated cases are decided by senior reviewers');
    if (decision.decision === 'reject' && !decision.reasonCode) return refuse('ReasonCodeRequired', 'A reason code is required to reject');
    if (decision.decision === 'escalate' && state.level === 'senior') return refuse('AlreadyEscalated', 'The case is already with a senior reviewer');
    return null;
  };

  setHandler(
    claimUpdate,
    async (actor) => {
      await condition(() => !assigning);
      const refusal = claimRefusal(actor);
      if (refusal) throw refusal;
      await db.claimTask({ taskId: state.taskId!, recordId, actorId: actor.actorId, actorRole: actor.actorRole, takeover: state.assigneeId !== null });
      state.assigneeId = actor.actorId;
      version++;
      publish();
      return state;
    },
    {
      validator: (actor) => {
        if (assigning && actor.taskId === state.taskId) return;
        const refusal = claimRefusal(actor);
        if (refusal) throw refusal;
      },
    },
  );

  setHandler(
    decideUpdate,
    async (decision) => {
      await condition(() => !assigning);
      const refusal = decisionRefusal(decision);
      if (refusal) throw refusal;
      deciding = true;
      try {
        const secondOfFour = decision.decision === 'approve' && input.fourEyes && state.stage === 'review';
        await db.recordReviewDecision({
          taskId: state.taskId!,
          recordId,
          actorId: decision.actorId,
          actorRole: decision.actorRole,
          decision: decision.decision,
          reasonCode: decision.reasonCode ?? null,
          notes: decision.notes ?? null,
          closesTask: decision.decision !== 'escalate',
        });
        if (decision.decision === 'escalate') {
          await escalate('Escalated by the reviewer', decision.actorId);
        } else if (secondOfFour) {
          state.firstApproverId = decision.actorId;
          state.stage = 'second_approval';
          await openTask('Second approval (four eyes)', [decision.actorId]);
        } else {
          state.outcome = {
            decision: decision.decision,
            reasonCode: decision.reasonCode ?? null,
            decidedBy: decision.actorId,
            approvers: decision.decision === 'approve' ? [state.firstApproverId, decision.actorId].filter((id): id is string => id !== null) : [],
          };
          publish();
        }
        return { accepted: true, state };
      } finally {
        deciding = false;
      }
    },
    {
      validator: (decision) => {
        if (assigning && decision.taskId === state.taskId) return;
        const refusal = decisionRefusal(decision);
        if (refusal) throw refusal;
      },
    },
  );

  await openTask('Manual review', []);

  while (!state.outcome) {
    const seen = version;
    const timeout = state.opsAlerted ? undefined : (state.escalated ? input.escalationSlaSeconds : input.reviewSlaSeconds) * 1000;
    const changed = await condition(() => state.outcome !== null || version !== seen, timeout);
    if (changed) continue;
    // An SLA passed with no decision: first escalate, then alert ops and keep waiting.
    if (!state.escalated) await escalate('Review SLA passed without a decision', null);
    else {
      await db.alertOps({ taskId: state.taskId!, recordId, overdueSince: state.dueAt! });
      state.opsAlerted = true;
    }
  }
  await condition(() => !deciding);
  await db.closeReviewTasks({ recordId });
  return state.outcome;
}
