import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { approvalNeedsSecondReviewer, claimRefusal, decisionRefusal, hitResolutionRefusal, REVIEW_REFUSALS, type Refusal, type ReviewRefusal, type ReviewSituation } from '../domain/review';
import { screeningApprovalRefusal } from '../domain/screening';
import { claimUpdate, decideUpdate, resolveHitUpdate, reviewStateQuery, type HitResolutionInput, type KycReviewInput, type ReviewDecisionInput, type ReviewOutcome, type ReviewScreening, type ReviewState } from './kyc-review.contract';
import { CLOSE_ON_CANCEL_PATCH } from './kyc-verification.contract';
import { screeningCaseWorkflowId, screeningReviewWorkflowId } from './screening-monitor.contract';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY } from './policies';
import { KycRecordIdKey, KycReviewerKey, KycReviewLevelKey, KycStatusKey } from './search-attributes';

// Manual review as a child of the verification: assign the least-loaded reviewer, wait for a
// decision under the review SLA, escalate to a senior reviewer when it passes, alert ops when the
// escalated SLA passes too, and keep waiting. Four-eyes cases need two different approvers. Who may
// claim and decide is domain/review.ts; this workflow keeps the case's state and its timers, and
// holds every rule of the case itself, whoever sends the update: no approval while a sanctions or
// PEP hit is open or confirmed or the required lists are not in force (checked afresh as the
// approval is recorded), any case with a hit takes four eyes, a hit is resolved here (a true match
// rejects the case), and a false positive becomes a clearance only once two reviewers approved.

const { openReviewTask, escalateReviewTask, claimReviewTask, recordReviewDecision, alertOpsOfReviewBreach, closeReviewTasks, resolveCaseHit, grantClearances, caseScreening } = proxyActivities<KycActivities>({
  startToCloseTimeout: ACTIVITY_TIMEOUTS.database,
  retry: DATABASE_RETRY,
});

/**
 * Reviews started from here on hold the screening rules themselves (above); reviews started
 * before keep their recorded history and take the rules from their next decision on.
 */
export const REVIEW_RULES_PATCH = 'review-rules-in-workflow';

const asFailure = (refusal: Refusal) => ApplicationFailure.nonRetryable(refusal.message, refusal.type);
const isRefusal = (type: string | undefined | null): type is ReviewRefusal => (REVIEW_REFUSALS as readonly (string | null | undefined)[]).includes(type);

/** A step refused for good (an actor who may not act): the update fails with that refusal, the case stays as it was. */
async function refusing<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && isRefusal(err.cause.type)) throw ApplicationFailure.nonRetryable(err.cause.message, err.cause.type);
    throw err;
  }
}

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
    screening: null,
  };
  // A case opened by ongoing screening of an approved customer (the true-match alert says so).
  const monitoring = workflowId === screeningReviewWorkflowId(screeningCaseWorkflowId(recordId));
  // Any sanctions or PEP hit on the case takes two approvers, whatever the score said.
  const fourEyes = () => input.fourEyes || (state.screening?.hits.length ?? 0) > 0;
  const readScreening = async (rescreen: boolean): Promise<ReviewScreening> => {
    state.screening = await caseScreening({ recordId, rescreen });
    return state.screening;
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
      await refusing(claimReviewTask({ taskId: state.taskId!, recordId, actorId: actor.actorId, actorRole: actor.actorRole, takeover: state.assigneeId !== null }));
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

  /** Records a decision the rules allowed and moves the case on: escalated, to its second approver, or closed. */
  const applyDecision = async (decision: ReviewDecisionInput) => {
    const secondApprovalNeeded = approvalNeedsSecondReviewer(state, decision.decision, fourEyes());
    await refusing(
      recordReviewDecision({
        taskId: state.taskId!,
        recordId,
        actorId: decision.actorId,
        actorRole: decision.actorRole,
        decision: decision.decision,
        reasonCode: decision.reasonCode ?? null,
        notes: decision.notes ?? null,
        sealedNotes: decision.sealedNotes ?? null,
        closesTask: decision.decision !== 'escalate',
      }),
    );
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
  };

  /** The screening rule of an approval on what the review knows (the validator), or on a fresh read (the handler). */
  const approvalRefusal = (screening: ReviewScreening | null | undefined): Refusal | null => {
    const refusal = screening ? screeningApprovalRefusal(screening) : null;
    return refusal ? { type: 'ScreeningUnresolved', message: refusal } : null;
  };

  setHandler(
    decideUpdate,
    async (decision) => {
      await condition(() => !assigning);
      const refusal = decisionRefusal(situation(), decision);
      if (refusal) throw asFailure(refusal);
      deciding = true;
      try {
        if (decision.decision === 'approve' && patched(REVIEW_RULES_PATCH)) {
          const screening = await readScreening(true);
          // Gaps count here only: they may have closed since the case was opened (the validator cannot know).
          const screeningRefusal = approvalRefusal(screening);
          if (screeningRefusal) throw asFailure(screeningRefusal);
        }
        await applyDecision(decision);
        return { accepted: true, state };
      } finally {
        deciding = false;
      }
    },
    {
      validator: (decision) => {
        if (assigning && decision.taskId === state.taskId) return;
        const refusal = decisionRefusal(situation(), decision) ?? (decision.decision === 'approve' ? approvalRefusal(state.screening && { hits: state.screening.hits, gaps: [] }) : null);
        if (refusal) throw asFailure(refusal);
      },
    },
  );

  const hitRefusal = (input: HitResolutionInput, known: ReviewScreening | null | undefined): Refusal | null => {
    const hit = known?.hits.find((h) => h.id === input.caseHitId);
    if (known && !hit) return { type: 'HitNotFound', message: 'No such screening hit on this case' };
    if (hit && hit.status !== 'open') return { type: 'HitAlreadyResolved', message: `This hit is already resolved (${hit.status.replace('_', ' ')})` };
    return null;
  };

  setHandler(
    resolveHitUpdate,
    async (resolution) => {
      await condition(() => !assigning);
      const refusal = hitResolutionRefusal(situation(), resolution);
      if (refusal) throw asFailure(refusal);
      deciding = true;
      try {
        const known = hitRefusal(resolution, await readScreening(false));
        if (known) throw asFailure(known);
        const result = await refusing(
          resolveCaseHit({ caseHitId: resolution.caseHitId, recordId, actorId: resolution.actorId, actorRole: resolution.actorRole, resolution: resolution.resolution, sealedReason: resolution.sealedReason ?? null, monitoring }),
        );
        if (result.outcome === 'not_found') throw asFailure({ type: 'HitNotFound', message: 'No such screening hit on this case' });
        if (result.outcome === 'already_resolved') throw asFailure({ type: 'HitAlreadyResolved', message: `This hit is already resolved (${result.status.replace('_', ' ')})` });
        await readScreening(false);
        // A confirmed match can only end the case in a rejection, whose customer text is neutral.
        if (result.status === 'true_match') await applyDecision({ taskId: resolution.taskId, actorId: resolution.actorId, actorRole: resolution.actorRole, decision: 'reject', reasonCode: 'sanctions_hit' });
        return { status: result.status, openLeft: result.openLeft, state };
      } finally {
        deciding = false;
      }
    },
    {
      validator: (resolution) => {
        if (assigning && resolution.taskId === state.taskId) return;
        // Only what the review knows refuses here: a hit found since is checked by the handler.
        const refusal = hitResolutionRefusal(situation(), resolution) ?? hitRefusal(resolution, state.screening && state.screening.hits.some((h) => h.id === resolution.caseHitId) ? state.screening : null);
        if (refusal) throw asFailure(refusal);
      },
    },
  );

  const run = async (): Promise<ReviewOutcome> => {
    if (patched(REVIEW_RULES_PATCH)) await readScreening(false);
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
    // Two reviewers approved: the hits resolved as false positives become clearances.
    if (state.outcome.decision === 'approve' && patched(REVIEW_RULES_PATCH)) await grantClearances({ recordId, reviewId: workflowId, approvers: state.outcome.approvers });
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
