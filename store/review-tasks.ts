import { type ReviewDecision, type ReviewerRole, type ReviewLevel, type ReviewReasonCode } from '../domain/review';
import { type Db } from '../infra/db';
import { appendEvent } from './audit';
import { enqueueEvent } from './outbox';
import { type PersonalData } from './personal-data';

// Review tasks (review_tasks) and their place on the record's audit trail. Task ids come from the
// review workflow, so a retried activity finds its own earlier work instead of doing it twice.

export interface AssignedTask {
  taskId: string;
  assigneeId: string | null;
  dueAt: string;
}

export type QueueView = 'mine' | 'unassigned' | 'escalated' | 'all';

const QUEUE_LIMIT = 200;

export class ReviewTaskStore {
  constructor(
    private readonly db: Db,
    private readonly personalData: PersonalData,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // Fewest open tasks among active users of the role; ties go to the longest-standing account.
  private async leastLoaded(role: ReviewerRole, exclude: readonly string[]): Promise<string | null> {
    const candidates = await this.db.user.findMany({
      where: { role, isActive: true, id: { notIn: [...exclude] } },
      select: { id: true, createdAt: true, _count: { select: { assignedTasks: { where: { status: 'open' } } } } },
      orderBy: { createdAt: 'asc' },
    });
    candidates.sort((a, b) => a._count.assignedTasks - b._count.assignedTasks);
    return candidates[0]?.id ?? null;
  }

  /**
   * Why this actor may not act on a review, or null when they may: an active user holding the
   * reviewer role claimed. The review workflow's rules trust the role an update names; this is
   * where that claim meets the accounts, whoever sent the update.
   */
  async actorRefusal(actorId: string, role: ReviewerRole): Promise<string | null> {
    const user = /^[0-9a-f-]{36}$/i.test(actorId) ? await this.db.user.findUnique({ where: { id: actorId }, select: { role: true, isActive: true } }) : null;
    if (!user) return 'No such user';
    if (!user.isActive) return 'This account is deactivated';
    if (user.role !== role) return `This account does not hold the ${role.replace('_', ' ')} role`;
    return null;
  }

  private dueIn(seconds: number): Date {
    return new Date(this.now().getTime() + seconds * 1000);
  }

  /** Opens a task and assigns the least-loaded reviewer (a senior when no reviewer is free); unassigned when nobody is. */
  async open(input: { taskId: string; recordId: string; workflowId: string; level: ReviewLevel; excludeUserIds: string[]; dueInSeconds: number; purpose: string }): Promise<AssignedTask> {
    const existing = await this.db.reviewTask.findUnique({ where: { id: input.taskId } });
    if (existing) return { taskId: existing.id, assigneeId: existing.assigneeId, dueAt: existing.dueAt.toISOString() };
    const assigneeId =
      (await this.leastLoaded(input.level === 'senior' ? 'senior_reviewer' : 'reviewer', input.excludeUserIds)) ??
      (input.level === 'standard' ? await this.leastLoaded('senior_reviewer', input.excludeUserIds) : null);
    const dueAt = this.dueIn(input.dueInSeconds);
    const data = { taskId: input.taskId, recordId: input.recordId, assigneeId, level: input.level, dueAt: dueAt.toISOString() };
    await this.db.$transaction(async (tx) => {
      await tx.reviewTask.create({ data: { id: input.taskId, kycRecordId: input.recordId, workflowId: input.workflowId, assigneeId, level: input.level, dueAt } });
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'REVIEW_ASSIGNED',
        actor: { type: 'system' },
        reason: assigneeId ? `${input.purpose}: assigned to a reviewer` : `${input.purpose}: no reviewer available, waiting in the unassigned queue`,
        data,
        dedupeKey: `${input.taskId}:assigned`,
      });
      await enqueueEvent(tx, { type: 'REVIEW_ASSIGNED', recordId: input.recordId, data, dedupeKey: `${input.taskId}:assigned` });
    });
    return { taskId: input.taskId, assigneeId, dueAt: dueAt.toISOString() };
  }

  /** Moves the task to the senior level, to the least-loaded senior reviewer, with the escalation SLA. */
  async escalate(input: { taskId: string; recordId: string; dueInSeconds: number; reason: string; actorId: string | null; excludeUserIds: string[] }): Promise<AssignedTask> {
    const task = await this.db.reviewTask.findUniqueOrThrow({ where: { id: input.taskId } });
    if (task.level === 'senior' && task.escalatedAt) return { taskId: task.id, assigneeId: task.assigneeId, dueAt: task.dueAt.toISOString() };
    const assigneeId = await this.leastLoaded('senior_reviewer', input.excludeUserIds);
    const dueAt = this.dueIn(input.dueInSeconds);
    await this.db.$transaction(async (tx) => {
      await tx.reviewTask.update({ where: { id: task.id }, data: { level: 'senior', assigneeId, dueAt, escalatedAt: this.now() } });
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'REVIEW_ESCALATED',
        actor: input.actorId ? { type: 'reviewer', id: input.actorId } : { type: 'system' },
        reason: input.reason,
        data: { taskId: task.id, from: task.assigneeId, to: assigneeId, dueAt: dueAt.toISOString() },
        dedupeKey: `${task.id}:escalated`,
      });
      await enqueueEvent(tx, {
        type: 'REVIEW_ESCALATED',
        recordId: input.recordId,
        data: { taskId: task.id, recordId: input.recordId, assigneeId, dueAt: dueAt.toISOString() },
        dedupeKey: `${task.id}:escalated`,
      });
    });
    return { taskId: task.id, assigneeId, dueAt: dueAt.toISOString() };
  }

  /** The escalated SLA passed too: the breach is on the audit trail and an ops alert event in the outbox; the case stays open. */
  async recordSlaBreach(input: { taskId: string; recordId: string; overdueSince: string }): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await appendEvent(tx, { recordId: input.recordId, type: 'REVIEW_SLA_BREACHED', actor: { type: 'system' }, reason: 'Escalated review is past its SLA; ops alerted', data: { taskId: input.taskId, overdueSince: input.overdueSince }, dedupeKey: `${input.taskId}:sla-breached` });
      await enqueueEvent(tx, {
        type: 'OPS_ALERT',
        recordId: input.recordId,
        data: { alert: 'review_sla_breached', taskId: input.taskId, recordId: input.recordId, overdueSince: input.overdueSince },
        dedupeKey: `${input.taskId}:sla-breached`,
      });
    });
  }

  async claim(input: { taskId: string; recordId: string; actorId: string; actorRole: ReviewerRole; takeover: boolean }): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.reviewTask.update({ where: { id: input.taskId }, data: { assigneeId: input.actorId } });
      await appendEvent(tx, {
        recordId: input.recordId,
        type: input.takeover ? 'REVIEW_TAKEN_OVER' : 'REVIEW_CLAIMED',
        actor: { type: 'reviewer', id: input.actorId },
        reason: input.takeover ? 'A senior reviewer took the case over' : 'Reviewer claimed the case',
        data: { taskId: input.taskId, role: input.actorRole },
        dedupeKey: `${input.taskId}:claimed:${input.actorId}`,
      });
    });
  }

  /**
   * The audit record of a reviewer's decision: actor, role, decision, reason code, time. Notes are
   * free text and may hold personal data: they are sealed with the customer's key (notes_enc), never
   * in the event. The API seals them before they travel through the review workflow (sealedNotes);
   * clear `notes` come from workflows started before it did.
   */
  async recordDecision(input: {
    taskId: string;
    recordId: string;
    actorId: string;
    actorRole: ReviewerRole;
    decision: ReviewDecision;
    reasonCode: ReviewReasonCode | null;
    notes: string | null;
    sealedNotes?: string | null;
    closesTask: boolean;
  }): Promise<void> {
    const decidedAt = this.now();
    const subjectId = (await this.db.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { userId: true } })).userId;
    const notesEnc = input.sealedNotes ? await this.checkedSeal(subjectId, input.sealedNotes) : input.notes ? await this.personalData.seal(subjectId, input.notes) : null;
    await this.db.$transaction(async (tx) => {
      await tx.reviewTask.update({
        where: { id: input.taskId },
        data: {
          ...(input.closesTask ? { status: 'decided' as const } : {}),
          decision: input.decision,
          reasonCode: input.reasonCode,
          notesEnc,
          decidedById: input.actorId,
          decidedAt,
        },
      });
      const data = { taskId: input.taskId, role: input.actorRole, decision: input.decision, reasonCode: input.reasonCode, hasNotes: notesEnc !== null, decidedAt: decidedAt.toISOString() };
      const dedupeKey = `${input.taskId}:decision:${input.decision}:${input.actorId}`;
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'REVIEW_DECISION',
        actor: { type: 'reviewer', id: input.actorId },
        reason: `Reviewer decision: ${input.decision}${input.reasonCode ? ` (${input.reasonCode})` : ''}`,
        data,
        dedupeKey,
      });
      await enqueueEvent(tx, {
        type: 'REVIEW_DECIDED',
        recordId: input.recordId,
        data: { taskId: input.taskId, recordId: input.recordId, decision: input.decision, reasonCode: input.reasonCode, decidedBy: input.actorId, decidedAt: decidedAt.toISOString() },
        dedupeKey,
      });
    });
  }

  /** Notes sealed by the API are stored as they came, once they are shown to open for the record's customer. */
  private async checkedSeal(subjectId: string, sealed: string): Promise<string> {
    await this.personalData.open(subjectId, sealed);
    return sealed;
  }

  async closeOpenTasks(recordId: string): Promise<void> {
    await this.db.reviewTask.updateMany({ where: { kycRecordId: recordId, status: 'open' }, data: { status: 'cancelled' } });
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  async task(taskId: string) {
    return this.db.reviewTask.findUnique({ where: { id: taskId } });
  }

  /** The open tasks of a record, newest first (a case has one open task at a time). */
  async openTasksOf(recordId: string) {
    return this.db.reviewTask.findMany({ where: { kycRecordId: recordId, status: 'open' }, orderBy: { createdAt: 'desc' } });
  }

  /** Open tasks of a view, soonest due first, with what the queue shows of their record. */
  async queue(view: QueueView, reviewerId: string) {
    const where = view === 'mine' ? { assigneeId: reviewerId } : view === 'unassigned' ? { assigneeId: null } : view === 'escalated' ? { level: 'senior' as const } : {};
    return this.db.reviewTask.findMany({
      where: { status: 'open', ...where },
      orderBy: { dueAt: 'asc' },
      take: QUEUE_LIMIT,
      include: { kycRecord: { select: { riskScore: true, country: true } } },
    });
  }
}
