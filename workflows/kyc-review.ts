import { ApplicationFailure, CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { approvalNeedsSecondReviewer, claimRefusal, decisionRefusal, type Refusal, type ReviewSituation } from '../domain/review';
import { claimUpdate, decideUpdate, reviewStateQuery, type KycReviewInput, type ReviewOutcome, type ReviewState } from './kyc-review.contract';
import { CLOSE_ON_CANCEL_PATCH } from './kyc-verification.contract';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY } from './policies';
import { KycRecordIdKey, KycReviewerKey, KycReviewLevelKey, KycStatusKey } from './search-attributes';

// Manual review as a child of the verification: assign the least-loaded reviewer, wait for a
// decision under the review SLA, escalate to a senior reviewer when it passes, alert ops when the
// escalated SLA passes too, and keep waiting. Four-eyes cases need two different approvers. Who may
// claim and decide is domain/review.ts; this workflow keeps the case's state and its timers.

const { openReviewTask, escalateReviewTask, claimReviewTask, recordReviewDecision, alertOpsOfReviewBreach, closeReviewTasks } = proxyActivities<KycActivities>({
  startToCloseTimeout: ACTIVITY_TIMEOUTS.database,
  retry: DATABASE_RETRY,
});

const asFailure = (refusal: Refusal) => ApplicationFailure.nonRetryable(refusal.message, refusal.type);

export async function kycReview(input: KycReviewInput): Promise<ReviewOutcome> {
  const { recordId } = input;
  const { workflowId } = workflowInfo();
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
    decisions: input.decisions ?? null,
  };
  // Bumped on every change that restarts the SLA clock (new task, claim, escalation).
  let version = 0;
  // A decision being recorded: a second one arriving meanwhile is refused, so exactly one wins.
  let deciding = false;
  // A task is being written and assigned: its id is known, its assignee not yet.
  let assigning = false;

  const situation = (): ReviewSituation => ({ closed: state.outcome !== null, taskId: state.taskId, assigneeId: state.assigneeId, level: state.level, stage: state.stage, firstApproverId: state.firstApproverId, deciding, decisions: state.decisions });

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
    const task = await openReviewTask({ taskId: state.taskId, recordId, workflowId, level: 'standard', excludeUserIds: exclude, dueInSeconds: input.reviewSlaSeconds, purpose });
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
    const task = await escalateReviewTask({ taskId: state.taskId!, recordId, dueInSeconds: input.escalationSlaSeconds, reason, actorId, excludeUserIds: state.firstApproverId ? [state.firstApproverId] : [] });
    state.assigneeId = task.assigneeId;
    state.dueAt = task.dueAt;
    state.level = 'senior';
    state.escalated = true;
    version++;
    publish();
  };

  const close = (outcome: ReviewOutcome) => {
    state.outcome = outcome;
    publish();
  };

  setHandler(reviewStateQuery, () => state);

  // The rules are asked by the validators and again by the handlers once a task being assigned is
  // settled (a reviewer can see a task in the database a moment before the workflow has its assignee).
  setHandler(
    claimUpdate,
    async (actor) => {
      await condition(() => !assigning);
      const refusal = claimRefusal(situation(), actor);
      if (refusal) throw asFailure(refusal);
      await claimReviewTask({ taskId: state.taskId!, recordId, actorId: actor.actorId, actorRole: actor.actorRole, takeover: state.assigneeId !== null });
      state.assigneeId = actor.actorId;
      version++;
      publish();
      return state;
    },
    {
      validator: (actor) => {
        if (assigning && actor.taskId === state.taskId) return;
        const refusal = claimRefusal(situation(), actor);
        if (refusal) throw asFailure(refusal);
      },
    },
  );

  setHandler(
    decideUpdate,
    async (decision) => {
      await condition(() => !assigning);
      const refusal = decisionRefusal(situation(), decision);
      if (refusal) throw asFailure(refusal);
      deciding = true;
      try {
        const secondApprovalNeeded = approvalNeedsSecondReviewer(state, decision.decision, input.fourEyes);
        await recordReviewDecision({
          taskId: state.taskId!,
          recordId,
          actorId: decision.actorId,
          actorRole: decision.actorRole,
          decision: decision.decision,
          reasonCode: decision.reasonCode ?? null,
          notes: decision.notes ?? null,
          sealedNotes: decision.sealedNotes ?? null,
          closesTask: decision.decision !== 'escalate',
        });
        if (decision.decision === 'escalate') {
          await escalate('Escalated by the reviewer', decision.actorId);
        } else if (secondApprovalNeeded) {
          state.firstApproverId = decision.actorId;
          state.stage = 'second_approval';
          await openTask('Second approval (four eyes)', [decision.actorId]);
        } else {
          close({
            decision: decision.decision,
            reasonCode: decision.reasonCode ?? null,
            decidedBy: decision.actorId,
            approvers: decision.decision === 'approve' ? [state.firstApproverId, decision.actorId].filter((id): id is string => id !== null) : [],
          });
        }
        return { accepted: true, state };
      } finally {
        deciding = false;
      }
    },
    {
      validator: (decision) => {
        if (assigning && decision.taskId === state.taskId) return;
        const refusal = decisionRefusal(situation(), decision);
        if (refusal) throw asFailure(refusal);
      },
    },
  );

  const run = async (): Promise<ReviewOutcome> => {
    await openTask(input.purpose ?? 'Manual review', []);

    // The SLA timers: a review SLA without a decision escalates; the escalated SLA alerts ops once, then the case waits.
    while (!state.outcome) {
      const seen = version;
      const timeout = state.opsAlerted ? undefined : (state.escalated ? input.escalationSlaSeconds : input.reviewSlaSeconds) * 1000;
      const changed = await condition(() => state.outcome !== null || version !== seen, timeout);
      if (changed) continue;
      if (!state.escalated) {
        await escalate('Review SLA passed without a decision', null);
      } else {
        await alertOpsOfReviewBreach({ taskId: state.taskId!, recordId, overdueSince: state.dueAt! });
        state.opsAlerted = true;
      }
    }
    await condition(() => !deciding);
    await closeReviewTasks({ recordId });
    return state.outcome;
  };

  try {
    return await run();
  } catch (err) {
    // Cancelled with its verification (the customer's erasure): no task of the case stays in a queue.
    if (!isCancellation(err) || !patched(CLOSE_ON_CANCEL_PATCH)) throw err;
    await CancellationScope.nonCancellable(() => closeReviewTasks({ recordId }));
    throw err;
  }
}
