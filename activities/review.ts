import { log } from '@temporalio/activity';
import { type ReviewDecision, type ReviewReasonCode, type ReviewerRole } from '../domain/review';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';

type Level = 'standard' | 'senior';

export interface AssignedTask {
  taskId: string;
  assigneeId: string | null;
  dueAt: string;
}

// Every reviewer action lands on the record's audit trail; task ids come from the workflow, so a
// retried activity finds its own earlier work instead of doing it twice.
export function createReviewActivities(db: Db, cipher: PiiCipher, now: () => Date) {
  // Fewest open tasks among active users of the role; ties go to the longest-standing account.
  async function leastLoaded(role: ReviewerRole, exclude: readonly string[]): Promise<string | null> {
    const candidates = await db.user.findMany({
      where: { role, isActive: true, id: { notIn: [...exclude] } },
      select: { id: true, createdAt: true, _count: { select: { assignedTasks: { where: { status: 'open' } } } } },
      orderBy: { createdAt: 'asc' },
    });
    candidates.sort((a, b) => a._count.assignedTasks - b._count.assignedTasks);
    return candidates[0]?.id ?? null;
  }

  const dueIn = (seconds: number) => new Date(now().getTime() + seconds * 1000);

  return {
    async assignReviewer(input: { taskId: string; recordId: string; workflowId: string; level: Level; excludeUserIds: string[]; dueInSeconds: number; purpose: string }): Promise<AssignedTask> {
      const existing = await db.reviewTask.findUnique({ where: { id: input.taskId } });
      if (existing) return { taskId: existing.id, assigneeId: existing.assigneeId, dueAt: existing.dueAt.toISOString() };
      const assigneeId =
        (await leastLoaded(input.level === 'senior' ? 'senior_reviewer' : 'reviewer', input.excludeUserIds)) ??
        (input.level === 'standard' ? await leastLoaded('senior_reviewer', input.excludeUserIds) : null);
      const dueAt = dueIn(input.dueInSeconds);
      await db.$transaction([
        db.reviewTask.create({ data: { id: input.taskId, kycRecordId: input.recordId, workflowId: input.workflowId, assigneeId, level: input.level, dueAt } }),
        db.kycEvent.create({
          data: {
            kycRecordId: input.recordId,
            eventType: 'REVIEW_ASSIGNED',
            actorType: 'system',
            reason: assigneeId ? `${input.purpose}: assigned to a reviewer` : `${input.purpose}: no reviewer available, waiting in the unassigned queue`,
            data: { taskId: input.taskId, assigneeId, level: input.level, dueAt: dueAt.toISOString() },
            dedupeKey: `${input.taskId}:assigned`,
          },
        }),
        db.outboxEvent.create({
          data: { kycRecordId: input.recordId, type: 'REVIEW_ASSIGNED', source: '/kyc/reviews', subject: input.recordId, data: { taskId: input.taskId, recordId: input.recordId, assigneeId, level: input.level, dueAt: dueAt.toISOString() }, dedupeKey: `${input.taskId}:assigned` },
        }),
      ]);
      return { taskId: input.taskId, assigneeId, dueAt: dueAt.toISOString() };
    },

    async escalateTask(input: { taskId: string; recordId: string; dueInSeconds: number; reason: string; actorId: string | null; excludeUserIds: string[] }): Promise<AssignedTask> {
      const task = await db.reviewTask.findUniqueOrThrow({ where: { id: input.taskId } });
      if (task.level === 'senior' && task.escalatedAt) return { taskId: task.id, assigneeId: task.assigneeId, dueAt: task.dueAt.toISOString() };
      const assigneeId = await leastLoaded('senior_reviewer', input.excludeUserIds);
      const dueAt = dueIn(input.dueInSeconds);
      await db.$transaction([
        db.reviewTask.update({ where: { id: task.id }, data: { level: 'senior', assigneeId, dueAt, escalatedAt: now() } }),
        db.kycEvent.create({
          data: {
            kycRecordId: input.recordId,
            eventType: 'REVIEW_ESCALATED',
            actorType: input.actorId ? 'reviewer' : 'system',
            actorId: input.actorId,
            reason: input.reason,
            data: { taskId: task.id, from: task.assigneeId, to: assigneeId, dueAt: dueAt.toISOString() },
            dedupeKey: `${task.id}:escalated`,
          },
        }),
        db.outboxEvent.create({
          data: { kycRecordId: input.recordId, type: 'REVIEW_ESCALATED', source: '/kyc/reviews', subject: input.recordId, data: { taskId: task.id, recordId: input.recordId, assigneeId, dueAt: dueAt.toISOString() }, dedupeKey: `${task.id}:escalated` },
        }),
      ]);
      return { taskId: task.id, assigneeId, dueAt: dueAt.toISOString() };
    },

    // The escalated SLA passed too: ops are alerted (event, outbox, error log); the case stays open.
    async alertOps(input: { taskId: string; recordId: string; overdueSince: string }): Promise<void> {
      await db.$transaction([
        db.kycEvent.createMany({
          data: [{ kycRecordId: input.recordId, eventType: 'REVIEW_SLA_BREACHED', actorType: 'system', reason: 'Escalated review is past its SLA; ops alerted', data: { taskId: input.taskId, overdueSince: input.overdueSince }, dedupeKey: `${input.taskId}:sla-breached` }],
          skipDuplicates: true,
        }),
        db.outboxEvent.createMany({
          data: [{ kycRecordId: input.recordId, type: 'OPS_ALERT', source: '/kyc/reviews', subject: input.recordId, data: { alert: 'review_sla_breached', taskId: input.taskId, recordId: input.recordId, overdueSince: input.overdueSince }, dedupeKey: `${input.taskId}:sla-breached` }],
          skipDuplicates: true,
        }),
      ]);
      log.error('escalated review past its SLA', { alert: 'review_sla_breached', taskId: input.taskId, recordId: input.recordId });
    },

    async claimTask(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; takeover: boolean }): Promise<void> {
      await db.$transaction([
        db.reviewTask.update({ where: { id: input.taskId }, data: { assigneeId: input.actorId } }),
        db.kycEvent.createMany({
          data: [{ kycRecordId: input.recordId, eventType: input.takeover ? 'REVIEW_TAKEN_OVER' : 'REVIEW_CLAIMED', actorType: 'reviewer', actorId: input.actorId, reason: input.takeover ? 'A senior reviewer took the case over' : 'Reviewer claimed the case', data: { taskId: input.taskId, role: input.actorRole }, dedupeKey: `${input.taskId}:claimed:${input.actorId}` }],
          skipDuplicates: true,
        }),
      ]);
    },

    // The audit record of a reviewer's decision: actor, role, decision, reason code, notes, time.
    // Notes are free text and may hold personal data, so they are stored encrypted.
    async recordReviewDecision(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; decision: ReviewDecision; reasonCode: ReviewReasonCode | null; notes: string | null; closesTask: boolean }): Promise<void> {
      const decidedAt = now();
      await db.$transaction([
        db.reviewTask.update({
          where: { id: input.taskId },
          data: {
            ...(input.closesTask ? { status: 'decided' as const } : {}),
            decision: input.decision,
            reasonCode: input.reasonCode,
            notes: input.notes ? cipher.encrypt(input.notes) : null,
            decidedById: input.actorId,
            decidedAt,
          },
        }),
        db.kycEvent.createMany({
          data: [{
            kycRecordId: input.recordId,
            eventType: 'REVIEW_DECISION',
            actorType: 'reviewer',
            actorId: input.actorId,
            reason: `Reviewer decision: ${input.decision}${input.reasonCode ? ` (${input.reasonCode})` : ''}`,
            data: { taskId: input.taskId, role: input.actorRole, decision: input.decision, reasonCode: input.reasonCode, hasNotes: Boolean(input.notes), decidedAt: decidedAt.toISOString() },
            dedupeKey: `${input.taskId}:decision:${input.decision}:${input.actorId}`,
          }],
          skipDuplicates: true,
        }),
      ]);
    },

    async closeReviewTasks(input: { recordId: string }): Promise<void> {
      await db.reviewTask.updateMany({ where: { kycRecordId: input.recordId, status: 'open' }, data: { status: 'cancelled' } });
    },
  };
}
