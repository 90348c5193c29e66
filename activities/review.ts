import { log } from '@temporalio/activity';
import { type ReviewDecision, type ReviewerRole, type ReviewLevel, type ReviewReasonCode } from '../domain/review';
import { type AssignedTask, type ReviewTaskStore } from '../store/review-tasks';

// The review workflow's steps: tasks opened, escalated, claimed, decided and closed, each on the
// record's audit trail (store/review-tasks.ts).

export function createReviewActivities(tasks: ReviewTaskStore) {
  return {
    async openReviewTask(input: { taskId: string; recordId: string; workflowId: string; level: ReviewLevel; excludeUserIds: string[]; dueInSeconds: number; purpose: string }): Promise<AssignedTask> {
      return tasks.open(input);
    },

    async escalateReviewTask(input: { taskId: string; recordId: string; dueInSeconds: number; reason: string; actorId: string | null; excludeUserIds: string[] }): Promise<AssignedTask> {
      return tasks.escalate(input);
    },

    async claimReviewTask(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; takeover: boolean }): Promise<void> {
      await tasks.claim(input);
    },

    async recordReviewDecision(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; decision: ReviewDecision; reasonCode: ReviewReasonCode | null; notes: string | null; sealedNotes?: string | null; closesTask: boolean }): Promise<void> {
      await tasks.recordDecision(input);
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
