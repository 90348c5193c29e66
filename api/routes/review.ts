import { z } from 'zod';
import { REVIEW_LEVELS, REVIEWER_ROLES, reviewDecisionSchema, reviewReasonCodeSchema } from '../../domain/review';
import { CASE_HIT_STATUSES, ENTRY_KINDS, hitResolutionSchema, SCREENING_SOURCES } from '../../domain/screening';
import { kycStatusSchema } from '../../domain/status';
import { explanationSchema } from '../../screening/match';
import { birthDateSchema, entryNameSchema } from '../../screening/types';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { readerOf, restrictedReadQuerySchema } from '../restricted-read';
import { type UseCaseDeps } from '../use-cases/deps';
import { claimReviewTask, decideReviewTask, resolveScreeningHit, reviewCaseFile } from '../use-cases/review-case';
import { caseDocuments, viewDocument, viewHeatMap } from '../use-cases/review-documents';
import { documentSchema, documentView } from './document-views';

// Manual review, for reviewers: the queue, the case view, claim and decide, and the resolution of
// sanctions and PEP hits (api/use-cases/review-case.ts).

const isoDateTime = z.iso.datetime();
const TAGS = ['Manual review'];
const READERS = [...REVIEWER_ROLES, 'admin', 'auditor'] as const;

export const reviewQueueQuerySchema = z.object({ view: z.enum(['mine', 'unassigned', 'escalated', 'all']).default('mine').describe('Whose tasks') });
export const reviewDecisionRequestSchema = z
  .object({
    decision: reviewDecisionSchema,
    reason_code: reviewReasonCodeSchema.optional().describe('Required to reject'),
    notes: z.string().trim().max(2000).optional().describe('Free text; stored encrypted'),
  })
  .strict()
  .refine((b) => b.decision !== 'reject' || b.reason_code !== undefined, { message: 'a reason code is required to reject', path: ['reason_code'] });

const taskParamsSchema = z.object({ taskId: z.uuid().describe('Review task id') });
const caseParamsSchema = z.object({ recordId: z.uuid().describe('KYC record id') });
const hitParamsSchema = caseParamsSchema.extend({ hitId: z.uuid().describe('Screening hit id (screening.hits[].hit_id of the case)') });

export const hitResolutionRequestSchema = z
  .object({
    resolution: hitResolutionSchema.describe('false_positive: the entry is not this customer (cleared for this customer and this version of the entry); true_match: it is (the case is rejected, ops are alerted)'),
    reason: z.string().trim().max(2000, 'must be at most 2000 characters').optional().describe('Why; required for false_positive. Stored encrypted'),
  })
  .strict()
  .refine((b) => b.resolution !== 'false_positive' || (b.reason !== undefined && b.reason.length > 0), { message: 'a reason is required to clear a hit as a false positive', path: ['reason'] });

const reviewTaskSchema = z.object({
  task_id: z.uuid(),
  record_id: z.uuid(),
  level: z.enum(REVIEW_LEVELS),
  assignee_id: z.uuid().nullable(),
  due_at: isoDateTime,
  overdue: z.boolean(),
  escalated: z.boolean(),
  risk_score: z.number().int().nullable(),
  country: z.string(),
  created_at: isoDateTime,
});
export const reviewQueueResponseSchema = z.object({ view: z.string(), count: z.number().int(), tasks: z.array(reviewTaskSchema) });

const nullableText = z.string().nullable();

const screeningHitSchema = z.object({
  hit_id: z.uuid(),
  status: z.enum(CASE_HIT_STATUSES).describe('open until a reviewer resolves it'),
  trigger: z.string().describe('What screened the customer: onboarding, list_update or periodic'),
  found_at: isoDateTime,
  entry_id: z.string().describe('<source>:<the source’s own id>'),
  source: z.enum(SCREENING_SOURCES),
  kind: z.enum(ENTRY_KINDS),
  name: z.string().describe('The entry’s primary name'),
  matched_name: z.string().describe('The entry’s name (primary or alias) that matched best'),
  score: z.number().min(0).max(1),
  explanation: explanationSchema,
  entry: z
    .object({ names: z.array(entryNameSchema), birth_dates: z.array(birthDateSchema), countries: z.array(z.string()), programs: z.array(z.string()), gender: nullableText, entity_type: z.string() })
    .nullable()
    .describe('The entry as it was screened (names and aliases, birth dates, nationalities and countries, programmes)'),
  resolution: z.object({ by: z.uuid().nullable(), at: isoDateTime.nullable(), reason: nullableText }).nullable().describe('Who resolved it, when and why; null while open'),
});

const screeningRunSchema = z.object({
  run_id: z.uuid(),
  trigger: z.string(),
  result: z.enum(['clear', 'potential_match']),
  match_count: z.number().int().describe('Matches no clearance covered'),
  threshold: z.number(),
  created_at: isoDateTime,
  lists: z.array(z.object({ version_id: z.uuid(), source: z.string(), publisher_version: nullableText, loaded_at: isoDateTime })).describe('The list versions in force when it ran'),
});

export const reviewCaseResponseSchema = z.object({
  record: z.object({ id: z.uuid(), status: kycStatusSchema, reason: nullableText, attempt: z.number().int(), risk_score: z.number().int().nullable(), risk_reasons: z.unknown(), created_at: isoDateTime }),
  submitted: z.record(z.string(), z.unknown()).describe('What the customer entered (decrypted for the reviewer)'),
  extracted: z.unknown().describe('What Veriff read from the document, when it sent a decision'),
  comparison: z.array(z.object({ field: z.string(), submitted: z.string(), extracted: nullableText, match: z.boolean().nullable() })),
  review: z.unknown().describe('The review workflow state: stage, assignee, level, four-eyes first approver'),
  tasks: z.array(
    z.object({
      task_id: z.uuid(),
      level: z.enum(REVIEW_LEVELS),
      status: z.enum(['open', 'decided', 'cancelled']),
      assignee_id: z.uuid().nullable(),
      due_at: isoDateTime,
      decision: reviewDecisionSchema.nullable(),
      reason_code: nullableText,
      decided_by: z.uuid().nullable(),
      decided_at: isoDateTime.nullable(),
      escalated_at: isoDateTime.nullable(),
    }),
  ),
  timeline: z.array(z.object({ event_type: z.string(), from_status: kycStatusSchema.nullable(), to_status: kycStatusSchema.nullable(), actor_type: z.string(), actor_id: nullableText, reason: nullableText, data: z.unknown(), created_at: isoDateTime })),
  screening: z
    .object({
      applicant: z.array(z.object({ names: z.array(z.string()), date_of_birth: nullableText, countries: z.array(z.string()) })).describe('The identities the applicant was screened under (as submitted; as the vendor read the document when that differs)'),
      hits: z.array(screeningHitSchema).describe('Sanctions and PEP matches on this case, newest first; every one must be resolved before an approval'),
      runs: z.array(screeningRunSchema).describe('Every screening of this verification, newest first (with or without a hit)'),
    })
    .describe('Sanctions and PEP screening'),
});
export const hitResolutionResponseSchema = z.object({
  hit_id: z.uuid(),
  status: hitResolutionSchema,
  open_hits: z.number().int().describe('Hits of the case still open'),
  case: z.enum(['open', 'rejected']).describe('rejected: a true match rejected the case'),
});
export const claimResponseSchema = z.object({ task_id: z.uuid().nullable(), assignee_id: z.uuid().nullable(), level: z.enum(REVIEW_LEVELS), due_at: isoDateTime.nullable() });
export const decisionResponseSchema = z.object({
  accepted: z.literal(true),
  stage: z.enum(['review', 'second_approval', 'decided']).describe('second_approval: a different reviewer must approve too (four eyes)'),
  outcome: z.enum(['approve', 'reject', 'request_resubmission']).nullable(),
  next_task_id: z.uuid().nullable(),
  level: z.enum(REVIEW_LEVELS),
});

const checkStatusSchema = z.enum(['success', 'fail', 'flag for review']);
export const caseDocumentsResponseSchema = z.object({
  record_id: z.uuid(),
  documents: z.array(documentSchema.extend({ content_url: z.string().describe('GET it with your token: the image, each view on the audit trail') })),
  checks: z.array(
    z.object({
      id: z.uuid(),
      document_id: z.uuid(),
      attempt: z.number().int(),
      decision: z.enum(['accept', 'deny', 'flag for review']),
      retake: z.boolean(),
      checks: z.object({ ocr: checkStatusSchema, metadata: checkStatusSchema, image_integrity: checkStatusSchema }),
      reason: z.string(),
      reason_codes: z.array(z.string()),
      checked_at: isoDateTime,
      heat_map_url: z.string().describe('GET it with your token: the error-level heat map (PNG), each view on the audit trail'),
      details: z.unknown().describe('What the engine found: fields read in the visual zone, the machine-readable zone and its comparisons, metadata found, error-level regions and scores'),
    }),
  ),
});

const documentParamsSchema = z.object({ documentId: z.uuid().describe('Document id') });
const checkParamsSchema = z.object({ checkId: z.uuid().describe('Document check id') });

export function reviewRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  const { stores, now } = deps;

  api.route(
    {
      method: 'get',
      path: '/queue/',
      operationId: 'reviewQueue',
      summary: 'Open review tasks: mine, unassigned, escalated or all, by due time',
      tags: TAGS,
      access: READERS,
      query: reviewQueueQuerySchema,
      responses: { 200: { description: 'Open tasks, soonest due first', schema: reviewQueueResponseSchema } },
    },
    async (req) => {
      const view = req.query.view;
      const tasks = await stores.reviewTasks.queue(view, principalOf(req).userId);
      const at = now();
      return {
        status: 200,
        body: {
          view,
          count: tasks.length,
          tasks: tasks.map((t) => ({
            task_id: t.id,
            record_id: t.kycRecordId,
            level: t.level,
            assignee_id: t.assigneeId,
            due_at: t.dueAt.toISOString(),
            overdue: t.dueAt < at,
            escalated: t.escalatedAt !== null,
            risk_score: t.kycRecord.riskScore,
            country: t.kycRecord.country,
            created_at: t.createdAt.toISOString(),
          })),
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/cases/:recordId/',
      operationId: 'reviewCase',
      summary: 'A case: submitted and extracted data side by side, risk reasons, tasks and timeline',
      tags: TAGS,
      access: READERS,
      params: caseParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'The case', schema: reviewCaseResponseSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const file = await reviewCaseFile(deps, readerOf(req), req.params.recordId);
      const { record } = file;
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      return {
        status: 200,
        body: {
          record: { id: record.id, status: record.status, reason: record.statusReason, attempt: record.attempt, risk_score: record.riskScore, risk_reasons: record.riskReasons, created_at: record.createdAt.toISOString() },
          submitted: file.submitted,
          extracted: file.extracted,
          comparison: file.comparison,
          review: file.review,
          tasks: record.reviewTasks.map((t) => ({ task_id: t.id, level: t.level, status: t.status, assignee_id: t.assigneeId, due_at: t.dueAt.toISOString(), decision: t.decision, reason_code: t.reasonCode, decided_by: t.decidedById, decided_at: iso(t.decidedAt), escalated_at: iso(t.escalatedAt) })),
          timeline: record.events.map((e) => ({ event_type: e.eventType, from_status: e.fromStatus, to_status: e.toStatus, actor_type: e.actorType, actor_id: e.actorId, reason: e.reason, data: e.data, created_at: e.createdAt.toISOString() })),
          screening: {
            applicant: file.screening.applicant.map((a) => ({ names: a.names, date_of_birth: a.dateOfBirth ?? null, countries: a.countries ?? [] })),
            hits: file.screening.hits.map((h) => ({
              hit_id: h.id,
              status: h.status,
              trigger: h.trigger,
              found_at: h.foundAt.toISOString(),
              entry_id: h.entryId,
              source: h.source,
              kind: h.kind,
              name: h.entryName,
              matched_name: h.matchedName,
              score: h.score,
              explanation: h.explanation,
              entry: h.entry && { names: h.entry.names, birth_dates: h.entry.birthDates, countries: h.entry.countries, programs: h.entry.programs, gender: h.entry.gender, entity_type: h.entry.entityType },
              resolution: h.status === 'open' ? null : { by: h.resolvedBy, at: iso(h.resolvedAt), reason: h.reason },
            })),
            runs: file.screening.runs.map((r) => ({
              run_id: r.id,
              trigger: r.trigger,
              result: r.result === 'potential_match' ? ('potential_match' as const) : ('clear' as const),
              match_count: r.matchCount,
              threshold: r.threshold,
              created_at: r.createdAt.toISOString(),
              lists: r.versions.map((v) => ({ version_id: v.id, source: v.source, publisher_version: v.publisherVersion, loaded_at: v.loadedAt.toISOString() })),
            })),
          },
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/cases/:recordId/documents/',
      operationId: 'reviewCaseDocuments',
      summary: "A case's document images (links to stream them) and the document checks' findings",
      tags: TAGS,
      access: READERS,
      params: caseParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'Documents oldest first, checks newest first', schema: caseDocumentsResponseSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const found = await caseDocuments(deps, readerOf(req), req.params.recordId);
      return {
        status: 200,
        body: {
          record_id: req.params.recordId,
          documents: found.documents.map((d) => ({ ...documentView(d), content_url: `/api/review/documents/${d.id}/content` })),
          checks: found.checks.map((c) => ({
            id: c.id,
            document_id: c.documentId,
            attempt: c.attempt,
            decision: c.decision,
            retake: c.retake,
            checks: c.checks,
            reason: c.reason,
            reason_codes: c.reasonCodes,
            checked_at: c.checkedAt.toISOString(),
            heat_map_url: `/api/review/document-checks/${c.id}/heat-map`,
            details: c.details,
          })),
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/documents/:documentId/content',
      operationId: 'viewDocumentImage',
      summary: 'One document image (each view is on the audit trail: who, which document, when)',
      description: 'Streamed with Cache-Control: no-store; there is no public URL of any document.',
      tags: TAGS,
      access: READERS,
      params: documentParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'The image', binary: ['image/jpeg', 'image/png'] } },
      problems: ['gone', 'reason_required'],
    },
    async (req, res) => {
      const image = await viewDocument(deps, readerOf(req), req.params.documentId);
      res.status(200).type(image.contentType).set('Content-Disposition', 'inline').send(image.bytes);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/document-checks/:checkId/heat-map',
      operationId: 'viewDocumentHeatMap',
      summary: "A document check's error-level heat map (each view is on the audit trail)",
      tags: TAGS,
      access: READERS,
      params: checkParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'The heat map', binary: ['image/png'] } },
      problems: ['gone', 'reason_required'],
    },
    async (req, res) => {
      const png = await viewHeatMap(deps, readerOf(req), req.params.checkId);
      res.status(200).type('image/png').set('Content-Disposition', 'inline').send(png);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/cases/:recordId/screening-hits/:hitId/resolution/',
      operationId: 'resolveScreeningHit',
      summary: 'Resolve a sanctions or PEP hit: false positive (cleared, with a reason) or true match (the case is rejected)',
      description:
        'Only whoever may decide the case (its assignee, or a senior reviewer) may resolve its hits; the review workflow applies the rules, whoever sends the update. A false positive is marked on the case; once a second, different reviewer approves the case (a case with a hit always takes four eyes) it becomes a clearance for this customer, the identity screened (names, birth date, nationality) and this version of the entry: the same entry does not alert again unless the list or the identity changes. A true match marks the record, restricts the wallet, raises an ops alert and rejects the case (reason code sanctions_hit; the customer reads a neutral text). An approval is refused while any hit is open or a required list is missing.',
      tags: TAGS,
      access: REVIEWER_ROLES,
      params: hitParamsSchema,
      body: { schema: hitResolutionRequestSchema, example: { resolution: 'false_positive', reason: 'Different date of birth and nationality; the document was checked' } },
      responses: { 200: { description: 'Resolved', schema: hitResolutionResponseSchema } },
      problems: ['conflict', 'upstream_unavailable'],
    },
    async (req) => {
      const result = await resolveScreeningHit(deps, principalOf(req), req.params.recordId, req.params.hitId, { resolution: req.body.resolution, reason: req.body.reason || null });
      return { status: 200, body: { hit_id: req.params.hitId, status: result.status, open_hits: result.openLeft, case: result.review.outcome?.decision === 'reject' ? ('rejected' as const) : ('open' as const) } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/tasks/:taskId/claim/',
      operationId: 'claimReviewTask',
      summary: 'Take an unassigned case; senior reviewers may take over any case',
      tags: TAGS,
      access: REVIEWER_ROLES,
      params: taskParamsSchema,
      responses: { 200: { description: 'Now assigned to the caller', schema: claimResponseSchema } },
      problems: ['conflict', 'upstream_unavailable'],
    },
    async (req) => {
      const state = await claimReviewTask(deps, principalOf(req), req.params.taskId);
      return { status: 200, body: { task_id: state.taskId, assignee_id: state.assigneeId, level: state.level, due_at: state.dueAt } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/tasks/:taskId/decision/',
      operationId: 'decideReviewTask',
      summary: 'Approve, reject (reason code required), escalate or request a resubmission',
      description: 'Only the assignee, or a senior reviewer, may decide. Approving a high-risk case takes two different reviewers: the first approval opens a task for a second one.',
      tags: TAGS,
      access: REVIEWER_ROLES,
      params: taskParamsSchema,
      body: { schema: reviewDecisionRequestSchema, example: { decision: 'reject', reason_code: 'data_mismatch', notes: 'Date of birth differs from the document' } },
      responses: { 200: { description: 'Decision recorded', schema: decisionResponseSchema } },
      problems: ['conflict', 'upstream_unavailable'],
    },
    async (req) => {
      const input = req.body;
      const state = await decideReviewTask(deps, principalOf(req), req.params.taskId, { decision: input.decision, ...(input.reason_code ? { reasonCode: input.reason_code } : {}), ...(input.notes ? { notes: input.notes } : {}) });
      return {
        status: 200,
        body: { accepted: true as const, stage: state.outcome ? ('decided' as const) : state.stage, outcome: state.outcome?.decision ?? null, next_task_id: state.outcome ? null : state.taskId, level: state.level },
      };
    },
  );
}
