import { ApplicationFailure, log } from '@temporalio/activity';
import { type ReviewDecision, type ReviewerRole, type ReviewLevel, type ReviewReasonCode } from '../domain/review';
import { type HitResolution } from '../domain/screening';
import { type AssignedTask, type ReviewTaskStore } from '../store/review-tasks';
import { type ResolveHitResult, type ScreeningStore } from '../store/screening';

// The review workflow's steps: tasks opened, escalated, claimed, decided and closed, each on the
// record's audit trail (store/review-tasks.ts); hits resolved and, once two reviewers approved,
// cleared (store/screening.ts). Every step a reviewer takes first checks that the actor the update
// names is an active account holding the role claimed: a refusal is final (ActorNotAllowed).

export function createReviewActivities(tasks: ReviewTaskStore, screening: ScreeningStore) {
  async function checkActor(actorId: string, role: ReviewerRole): Promise<void> {
    const refusal = await tasks.actorRefusal(actorId, role);
    if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'ActorNotAllowed');
  }

  return {
    async openReviewTask(input: { taskId: string; recordId: string; workflowId: string; level: ReviewLevel; excludeUserIds: string[]; dueInSeconds: number; purpose: string }): Promise<AssignedTask> {
      return tasks.open(input);
    },

    async escalateReviewTask(input: { taskId: string; recordId: string; dueInSeconds: number; reason: string; actorId: string | null; excludeUserIds: string[] }): Promise<AssignedTask> {
      return tasks.escalate(input);
    },

    async claimReviewTask(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; takeover: boolean }): Promise<void> {
      await checkActor(input.actorId, input.actorRole);
      await tasks.claim(input);
    },

    async recordReviewDecision(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; decision: ReviewDecision; reasonCode: ReviewReasonCode | null; notes: string | null; sealedNotes?: string | null; closesTask: boolean }): Promise<void> {
      await checkActor(input.actorId, input.actorRole);
      await tasks.recordDecision(input);
    },

    /** A reviewer's resolution of one hit (the resolveHit update). */
    async resolveCaseHit(input: { caseHitId: string; recordId: string; actorId: string; actorRole: ReviewerRole; resolution: HitResolution; sealedReason: string | null; monitoring: boolean }): Promise<ResolveHitResult> {
      await checkActor(input.actorId, input.actorRole);
      return screening.resolve(input);
    },

    /** A review approved by two reviewers: its false positives become clearances. */
    async grantClearances(input: { recordId: string; reviewId: string; approvers: string[] }): Promise<{ granted: number; withheld: number }> {
      return screening.grantClearances(input);
    },

    /** The escalated SLA passed too: ops are alerted (audit event, outbox event, error log); the case stays open. */
    async alertOpsOfReviewBreach(input: { taskId: string; recordId: string; overdueSince: string }): Promise<void> {
      await tasks.recordSlaBreach(input);
      log.error('escalated review past its SLA', { alert: 'review_sla_breached', taskId: input.taskId, recordId: input.recordId });
    },

    async closeReviewTasks(input: { recordId: string }): Promise<void> {
      await tasks.closeOpenTasks(input.recordId);
    },
  };
}
