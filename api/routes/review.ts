import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Router } from 'express';
import { z } from 'zod';
import { REVIEWER_ROLES, reviewDecisionSchema, reviewReasonCodeSchema, type ReviewerRole } from '../../domain/review';
import { type PiiCipher } from '../../infra/crypto';
import { type Db } from '../../infra/db';
import { type Logger } from '../../infra/logger';
import { claimUpdate, decideUpdate, reviewStateQuery } from '../../workflows/kyc-review';
import { allow, principalOf, type TokenService } from '../auth';
import { Problem, type ProblemCode } from '../problem';
import { body, params } from '../validate';

export interface ReviewRouteDeps {
  db: Db;
  temporal: Client;
  cipher: PiiCipher;
  tokens: TokenService;
  logger: Logger;
  now: () => Date;
}

export const reviewQueueQuerySchema = z.object({ view: z.enum(['mine', 'unassigned', 'escalated', 'all']).default('mine') });
export const reviewDecisionRequestSchema = z
  .object({
    decision: reviewDecisionSchema,
    reason_code: reviewReasonCodeSchema.optional(),
    notes: z.string().trim().max(2000).optional(),
  })
  .strict()
  .refine((b) => b.decision !== 'reject' || b.reason_code !== undefined, { message: 'a reason code is required to reject', path: ['reason_code'] });

const taskParams = z.object({ taskId: z.string().uuid() });
const recordParams = z.object({ recordId: z.string().uuid() });

// Refusals from the review workflow's update validators, as HTTP problems.
const REFUSALS: Record<string, ProblemCode> = {
  NotAssignee: 'forbidden',
  NotAllowed: 'forbidden',
  FourEyes: 'conflict',
  ReviewClosed: 'conflict',
  DecisionInProgress: 'conflict',
  AlreadyEscalated: 'conflict',
  ReasonCodeRequired: 'validation_failed',
};

export function reviewRouter(deps: ReviewRouteDeps): Router {
  const { db, temporal, cipher, tokens, logger, now } = deps;
  const router = Router();
  const readers = allow(tokens, ...REVIEWER_ROLES, 'admin', 'auditor');
  const actors = allow(tokens, ...REVIEWER_ROLES);

  const toProblem = (err: Error): Problem => {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      return new Problem(REFUSALS[err.cause.type ?? ''] ?? 'conflict', err.cause.message);
    }
    if (err instanceof WorkflowNotFoundError) return new Problem('conflict', 'This review is closed');
    logger.error('review workflow call failed', { error: err.name });
    return new Problem('upstream_unavailable', 'The review service is temporarily unavailable; retry in a minute');
  };

  const openTask = async (taskId: string) => {
    const task = await db.reviewTask.findUnique({ where: { id: taskId } });
    if (!task) throw new Problem('not_found', 'No such review task');
    if (task.status !== 'open') throw new Problem('conflict', `This review task is ${task.status}`);
    return task;
  };

  router.get('/queue/', readers, async (req, res) => {
    const parsed = reviewQueueQuerySchema.safeParse(req.query);
    if (!parsed.success) throw new Problem('validation_failed', 'view must be mine, unassigned, escalated or all');
    const principal = principalOf(req);
    const view = parsed.data.view;
    const where =
      view === 'mine' ? { assigneeId: principal.userId } : view === 'unassigned' ? { assigneeId: null } : view === 'escalated' ? { level: 'senior' as const } : {};
    const tasks = await db.reviewTask.findMany({
      where: { status: 'open', ...where },
      orderBy: { dueAt: 'asc' },
      take: 200,
      include: { kycRecord: { select: { riskScore: true, country: true, status: true } } },
    });
    const at = now();
    res.json({
      view,
      count: tasks.length,
      tasks: tasks.map((t) => ({
        task_id: t.id,
        record_id: t.kycRecordId,
        level: t.level,
        assignee_id: t.assigneeId,
        due_at: t.dueAt,
        overdue: t.dueAt < at,
        escalated: t.escalatedAt !== null,
        risk_score: t.kycRecord.riskScore,
        country: t.kycRecord.country,
        created_at: t.createdAt,
      })),
    });
  });

  // Submitted and extracted data side by side, the risk reasons, the timeline.
  router.get('/cases/:recordId/', readers, params(recordParams), async (req, res) => {
    const { recordId } = req.params as z.infer<typeof recordParams>;
    const record = await db.kycRecord.findUnique({ where: { id: recordId }, include: { events: { orderBy: { createdAt: 'asc' } }, reviewTasks: { orderBy: { createdAt: 'asc' } } } });
    if (!record) throw new Problem('not_found', 'No such KYC record');
    const address = cipher.decryptJson<Record<string, string | null>>(record.addressEnc);
    const submitted = {
      first_name: cipher.decrypt(record.firstNameEnc),
      last_name: cipher.decrypt(record.lastNameEnc),
      date_of_birth: cipher.decrypt(record.dateOfBirthEnc),
      document_number: cipher.decrypt(record.documentNumberEnc),
      document_type: record.documentType,
      nationality: record.nationality,
      country: record.country,
      address,
    };
    type Extracted = { person?: Record<string, string | null> | null; document?: Record<string, string | null> | null; riskLabels?: unknown[] };
    const extracted: Extracted | null = record.extractedDataEnc ? cipher.decryptJson<Extracted>(record.extractedDataEnc) : null;
    const pairs: [string, string, string | null | undefined][] = [
      ['first_name', submitted.first_name, extracted?.person?.firstName],
      ['last_name', submitted.last_name, extracted?.person?.lastName],
      ['date_of_birth', submitted.date_of_birth, extracted?.person?.dateOfBirth],
      ['document_number', submitted.document_number, extracted?.document?.number ?? extracted?.person?.idNumber],
    ];
    const workflowState = await temporal.workflow
      .getHandle(`${record.workflowId}-review-${record.attempt}`)
      .query(reviewStateQuery)
      .catch(() => null);
    res.json({
      record: { id: record.id, status: record.status, reason: record.statusReason, attempt: record.attempt, risk_score: record.riskScore, risk_reasons: record.riskReasons, created_at: record.createdAt },
      submitted,
      extracted,
      comparison: pairs.map(([field, mine, theirs]) => ({ field, submitted: mine, extracted: theirs ?? null, match: theirs == null ? null : mine.trim().toLowerCase() === theirs.trim().toLowerCase() })),
      review: workflowState,
      tasks: record.reviewTasks.map((t) => ({ task_id: t.id, level: t.level, status: t.status, assignee_id: t.assigneeId, due_at: t.dueAt, decision: t.decision, reason_code: t.reasonCode, decided_by: t.decidedById, decided_at: t.decidedAt, escalated_at: t.escalatedAt })),
      timeline: record.events.map((e) => ({ event_type: e.eventType, from_status: e.fromStatus, to_status: e.toStatus, actor_type: e.actorType, actor_id: e.actorId, reason: e.reason, data: e.data, created_at: e.createdAt })),
    });
  });

  router.post('/tasks/:taskId/claim/', actors, params(taskParams), async (req, res) => {
    const task = await openTask((req.params as z.infer<typeof taskParams>).taskId);
    const principal = principalOf(req);
    const state = await temporal.workflow
      .getHandle(task.workflowId)
      .executeUpdate(claimUpdate, { args: [{ actorId: principal.userId, actorRole: principal.role as ReviewerRole }] })
      .catch((err: Error) => {
        throw toProblem(err);
      });
    res.json({ task_id: state.taskId, assignee_id: state.assigneeId, level: state.level, due_at: state.dueAt });
  });

  router.post('/tasks/:taskId/decision/', actors, params(taskParams), body(reviewDecisionRequestSchema), async (req, res) => {
    const task = await openTask((req.params as z.infer<typeof taskParams>).taskId);
    const principal = principalOf(req);
    const input = req.body as z.infer<typeof reviewDecisionRequestSchema>;
    const result = await temporal.workflow
      .getHandle(task.workflowId)
      .executeUpdate(decideUpdate, {
        args: [{ actorId: principal.userId, actorRole: principal.role as ReviewerRole, decision: input.decision, ...(input.reason_code ? { reasonCode: input.reason_code } : {}), ...(input.notes ? { notes: input.notes } : {}) }],
      })
      .catch((err: Error) => {
        throw toProblem(err);
      });
    const state = result.state;
    res.json({
      accepted: true,
      stage: state.outcome ? 'decided' : state.stage,
      outcome: state.outcome?.decision ?? null,
      next_task_id: state.outcome ? null : state.taskId,
      level: state.level,
    });
  });

  return router;
}
