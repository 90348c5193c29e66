import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { continueAsNew, executeChild, ParentClosePolicy, proxyActivities, setHandler, startChild, WorkflowIdReusePolicy, workflowInfo } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { SCREENING_REVIEW_DECISIONS } from '../domain/screening';
import { kycReview } from './kyc-review';
import {
  rescreenProgressQuery,
  rescreenWorkflowId,
  screeningCaseWorkflowId,
  screeningReviewWorkflowId,
  type ListRefreshInput,
  type ListRefreshResult,
  type RescreenInput,
  type RescreenProgress,
  type RescreenState,
  type ScreeningCaseInput,
  type ScreeningCaseResult,
  type ScreeningCaseSettings,
} from './screening-monitor.contract';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY } from './policies';

// Ongoing sanctions and PEP screening. The daily refresh loads the configured lists and starts one
// rescreen for the versions no rescreen has taken yet; a rescreen pages through the approved
// verifications in batches (an activity each) and continues as new every few batches, so a
// hundred thousand customers never sit in one history; each verification with a new hit gets a
// case: the wallet restricted when SCREENING_HIT_ACTION says so, a four-eyes review, and its
// outcome applied.

const { startRescreen, completeRescreen, restrictWalletForScreening, settleScreeningCase } = proxyActivities<KycActivities>({
  startToCloseTimeout: ACTIVITY_TIMEOUTS.database,
  retry: DATABASE_RETRY,
});
const { rescreenBatch } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.rescreenBatch, retry: DATABASE_RETRY });
const { refreshScreeningLists } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.listRefresh, heartbeatTimeout: '1 minute', retry: { ...DATABASE_RETRY, maximumAttempts: 3 } });

// Approved verifications per batch, and batches per run before it continues as new: a run's
// history stays at some hundred events whatever the number of customers.
const DEFAULT_BATCHING = { size: 500, perRun: 20 };

/** Starts the case of a verification with new hits; false when one is already open (it lists the new hits too). */
async function openCase(recordId: string, settings: ScreeningCaseSettings): Promise<boolean> {
  try {
    await startChild(screeningCase, { workflowId: screeningCaseWorkflowId(recordId), args: [{ recordId, settings }], parentClosePolicy: ParentClosePolicy.ABANDON });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** Daily: refresh SCREENING_SOURCES, then rescreen against whatever was loaded since the last rescreen. */
export async function screeningListRefresh(input: ListRefreshInput): Promise<ListRefreshResult> {
  const { sources, awaitingRescreen } = await refreshScreeningLists();
  if (awaitingRescreen.length === 0) return { sources, rescreenWorkflowId: null };
  const workflowId = rescreenWorkflowId(awaitingRescreen);
  try {
    await startChild(screeningRescreen, {
      workflowId,
      args: [{ trigger: 'list_update', listVersionIds: awaitingRescreen, settings: input.settings }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { sources, rescreenWorkflowId: workflowId };
}

/** Every approved verification against a list update's delta (list_update) or every entry in force (periodic). */
export async function screeningRescreen(input: RescreenInput): Promise<RescreenProgress> {
  const { workflowId } = workflowInfo();
  const batching = input.batching ?? DEFAULT_BATCHING;
  const progress: RescreenProgress = input.resume?.progress ?? { screened: 0, withHits: 0, casesOpened: 0, batches: 0 };
  const state: RescreenState = { trigger: input.trigger, listVersionIds: input.listVersionIds, after: input.resume?.after ?? null, done: false, ...progress };
  setHandler(rescreenProgressQuery, () => state);
  if (!input.resume) await startRescreen({ workflowId, trigger: input.trigger, listVersionIds: input.listVersionIds });

  for (let batch = 0; ; batch++) {
    if (batch === batching.perRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof screeningRescreen>({ ...input, resume: { after: state.after, progress } });
    }
    const result = await rescreenBatch({ workflowId, trigger: input.trigger, listVersionIds: input.listVersionIds, after: state.after, limit: batching.size, progress });
    progress.screened += result.screened;
    progress.withHits += result.withHits;
    progress.batches += 1;
    for (const found of result.newCases) if (await openCase(found.recordId, input.settings)) progress.casesOpened += 1;
    Object.assign(state, progress, { after: result.last });
    if (result.done) break;
  }
  await completeRescreen({ workflowId, progress });
  state.done = true;
  return progress;
}

/** A new hit on an approved customer: restrict (if configured), review with four eyes, apply the outcome. */
export async function screeningCase(input: ScreeningCaseInput): Promise<ScreeningCaseResult> {
  const { workflowId } = workflowInfo();
  const { recordId, settings } = input;
  if (settings.hitAction === 'restrict') await restrictWalletForScreening({ recordId, caseId: workflowId });
  const review = await executeChild(kycReview, {
    workflowId: screeningReviewWorkflowId(workflowId),
    args: [
      {
        recordId,
        fourEyes: true,
        reviewSlaSeconds: settings.reviewSlaSeconds,
        escalationSlaSeconds: settings.escalationSlaSeconds,
        purpose: 'Ongoing screening: new sanctions or PEP list hit on a verified customer',
        decisions: [...SCREENING_REVIEW_DECISIONS],
      },
    ],
  });
  // The review offers approve and reject only as outcomes: anything but an approval keeps the match.
  const outcome = review.decision === 'approve' ? 'cleared' : 'confirmed';
  await settleScreeningCase({ recordId, caseId: workflowId, outcome });
  return { outcome, decision: review.decision, reasonCode: review.reasonCode };
}
