import { z } from 'zod';
import { WITHHELD_CATEGORIES } from '../../domain/customer-view';
import { ERASURE_BASES, ERASURE_STATUSES, erasureItemSchema, erasureOutcomeSchema, retainedItemSchema } from '../../domain/privacy';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { restrictedReadQuerySchema } from '../restricted-read';
import { type UseCaseDeps } from '../use-cases/deps';
import { exportSubjectData } from '../use-cases/export-subject-data';
import { findErasureRequest, requestErasure } from '../use-cases/request-erasure';
import { keyRotationProgress, ringKeyUsage, startKeyRotation } from '../use-cases/rotate-keys';

// Privacy: erasure requests, subject access exports (/api/privacy), and for operations the key
// ring's usage, key rotation and the privacy audit trail (/api/admin/privacy). The work is in the
// use cases; the store (store/privacy.ts) is the one place that reads and erases personal data.

const TAGS = ['Privacy'];
const isoDateTime = z.iso.datetime();

export const erasureRequestBodySchema = z.strictObject({
  user_id: z.uuid().optional().describe("Admins closing a customer's account: the customer. Customers: leave it out (their own data)."),
});

export const erasureRequestSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  basis: z.enum(ERASURE_BASES).describe('customer_request (GDPR article 17) or account_closure (an admin)'),
  status: z.enum(ERASURE_STATUSES).describe('accepted: running verifications are being cancelled; erased: done but the vendor deletions; completed: everything'),
  requested_at: isoDateTime,
  erased_at: isoDateTime.nullable(),
  completed_at: isoDateTime.nullable(),
  erase_now: z.array(erasureItemSchema).describe('What goes at once'),
  retained: z.array(retainedItemSchema).describe('What anti-money-laundering rules keep, restricted, and until when'),
  erased: erasureOutcomeSchema.nullable().describe('Once erased: how many of each kind (the tombstone)'),
  vendor_sessions: z.object({ to_delete: z.number().int(), deleted: z.number().int() }).describe("Sessions the identity vendor is asked to delete, at its rate limit"),
  workflow_id: z.string(),
});

const requestParamsSchema = z.object({ id: z.uuid().describe('Erasure request id') });

export const exportQuerySchema = z.object({
  user_id: z.uuid().optional().describe('The auditor: the customer whose data is exported (customers export their own)'),
  reason: restrictedReadQuerySchema.shape.reason.describe('The auditor: why (a case or request number), required for every export; on the privacy audit trail. Without it the answer is 400 naming query.reason.'),
});

const verificationExportSchema = z.looseObject({
  id: z.uuid(),
  status: z.string(),
  personal_data: z.enum(['held', 'restricted', 'erased']),
  submitted: z.record(z.string(), z.unknown()).nullable(),
  events: z.array(z.looseObject({ type: z.string(), at: isoDateTime })),
});

export const subjectExportSchema = z.looseObject({
  generated_at: isoDateTime,
  subject: z.looseObject({ user_id: z.uuid(), erased_at: isoDateTime.nullable() }),
  wallet: z.looseObject({}).nullable(),
  verifications: z.array(verificationExportSchema),
  other_data: z.array(z.looseObject({ kind: z.string() })),
  erasure_requests: z.array(z.looseObject({ id: z.uuid(), status: z.enum(ERASURE_STATUSES) })),
  withheld: z
    .array(z.object({ category: z.enum(WITHHELD_CATEGORIES), what: z.string(), basis: z.string(), provisions: z.string() }))
    .describe("The customer's export: the categories withheld from it (every one, whether or not such data exists) and their legal basis. Empty in the auditor's, which holds everything."),
});

const ringKeyUsageSchema = z.object({
  key_id: z.string(),
  current: z.boolean().describe('The key that wraps new data keys'),
  data_keys: z.number().int().describe("Customers' data keys it wraps"),
  service_key_ciphertexts: z.number().int().describe('Personal data still sealed with it directly (written before data keys of customers; the rotation re-seals it)'),
  subscription_secrets: z.number().int(),
  retirable: z.boolean().describe('Not current and protects nothing: it can leave KYC_PII_KEYS'),
});
export const keyUsageSchema = z.object({ keys: z.array(ringKeyUsageSchema) });

export const keyRotationSchema = z.object({
  workflow_id: z.string().optional(),
  stage: z.enum(['resealing_service_key_data', 'rewrapping_data_keys', 'reencrypting_secrets', 'done']),
  resealed: z.number().int(),
  rewrapped: z.number().int(),
  secrets: z.number().int(),
  usage: z.array(ringKeyUsageSchema).describe('Filled in when the rotation is done'),
});

const auditQuerySchema = z.object({
  subject_id: z.uuid().optional().describe('One customer'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const privacyAuditSchema = z.object({
  items: z.array(z.object({ id: z.uuid(), action: z.string(), subject_id: z.uuid().nullable(), actor_id: z.uuid().nullable(), actor_role: z.string(), reason: z.string().nullable(), details: z.unknown(), created_at: isoDateTime })),
});

const usageView = (u: Awaited<ReturnType<typeof ringKeyUsage>>[number]) => ({ key_id: u.keyId, current: u.current, data_keys: u.dataKeys, service_key_ciphertexts: u.serviceKeyCiphertexts, subscription_secrets: u.subscriptionSecrets, retirable: u.retirable });

export function privacyRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  api.route(
    {
      method: 'post',
      path: '/erasure-requests',
      operationId: 'requestErasure',
      summary: "Erase a customer's personal data: the customer's own, or an admin closing a customer's account",
      description:
        'Answers 202 with what goes at once and what anti-money-laundering rules keep (the due-diligence record of an approved or reviewed verification), restricted to the auditor, until when. The account is closed at once; running verifications are cancelled first. Asking again answers the same request.',
      tags: TAGS,
      access: ['customer', 'admin'],
      body: { schema: erasureRequestBodySchema, example: {} },
      responses: { 202: { description: 'Filed; the erasure runs in the background', schema: erasureRequestSchema } },
      problems: ['not_found', 'upstream_unavailable'],
    },
    async (req) => ({ status: 202, body: await requestErasure(deps, principalOf(req), { ...(req.body.user_id ? { userId: req.body.user_id } : {}) }) }),
  );

  api.route(
    {
      method: 'get',
      path: '/erasure-requests/:id',
      operationId: 'getErasureRequest',
      summary: 'The state of an erasure request and, once carried out, its tombstone',
      tags: TAGS,
      access: ['customer', 'admin', 'auditor'],
      params: requestParamsSchema,
      responses: { 200: { description: 'The request', schema: erasureRequestSchema } },
    },
    async (req) => ({ status: 200, body: await findErasureRequest(deps, principalOf(req), req.params.id) }),
  );

  api.route(
    {
      method: 'get',
      path: '/export',
      operationId: 'exportSubjectData',
      summary: 'Subject access: every item held about a customer, as JSON',
      description:
        "A customer gets their own: account, wallet, each verification with its status, the reason and next action in the words the status views use, what they submitted and what the identity vendor read of their document, its status changes, their documents (what they are), erasure requests. Anti-money-laundering law forbids telling customers they are suspected, so internal risk assessments, screening results, staff notes and reasons, review reason codes and fraud indicators are withheld: `withheld` names each category and its legal basis (GDPR art. 23(1)(d) as the AML laws provide it). The auditor names a customer and gives a reason, and gets everything, records kept restricted after an erasure included. Every export is on the privacy audit trail. The page /privacy shows it readably.",
      tags: TAGS,
      access: ['customer', 'auditor'],
      query: exportQuerySchema,
      responses: { 200: { description: 'Everything held about the customer', schema: subjectExportSchema } },
      problems: ['reason_required'],
    },
    async (req) => ({ status: 200, body: await exportSubjectData(deps, principalOf(req), { ...(req.query.user_id ? { userId: req.query.user_id } : {}), ...(req.query.reason ? { reason: req.query.reason } : {}) }) }),
  );
}

export function privacyAdminRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  api.route(
    {
      method: 'get',
      path: '/keys',
      operationId: 'listKeyRingUsage',
      summary: 'What each key of the service key ring (KYC_PII_KEYS) still protects, and which can retire',
      tags: TAGS,
      access: ['admin', 'auditor'],
      responses: { 200: { description: 'One entry per key id', schema: keyUsageSchema } },
    },
    async () => ({ status: 200, body: { keys: (await ringKeyUsage(deps)).map(usageView) } }),
  );

  api.route(
    {
      method: 'post',
      path: '/key-rotations',
      operationId: 'startKeyRotation',
      summary: 'Re-wrap every data key and secret under the current key and re-seal service-key data, in the background',
      description: 'Put the new key first in KYC_PII_KEYS and restart the processes, then call this. One rotation runs at a time: calling again while it runs answers its progress.',
      tags: TAGS,
      access: ['admin'],
      responses: { 202: { description: 'Started (or already running): its progress', schema: keyRotationSchema } },
      problems: ['upstream_unavailable'],
    },
    async () => {
      const { workflowId, progress } = await startKeyRotation(deps);
      return { status: 202, body: { workflow_id: workflowId, ...progress, usage: progress.usage.map(usageView) } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/key-rotations/current',
      operationId: 'getKeyRotation',
      summary: 'The progress of the latest key rotation',
      tags: TAGS,
      access: ['admin', 'auditor'],
      responses: { 200: { description: 'Its stage and counts', schema: keyRotationSchema } },
    },
    async () => {
      const progress = await keyRotationProgress(deps);
      return { status: 200, body: { ...progress, usage: progress.usage.map(usageView) } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/audit-events',
      operationId: 'listPrivacyAuditEvents',
      summary: 'The privacy audit trail: erasure requests and steps, exports, restricted reads, retention runs, key rotations',
      tags: TAGS,
      access: ['admin', 'auditor'],
      query: auditQuerySchema,
      responses: { 200: { description: 'Newest first', schema: privacyAuditSchema } },
    },
    async (req) => {
      const events = await deps.stores.privacy.auditTrail({ ...(req.query.subject_id ? { subjectId: req.query.subject_id } : {}), limit: req.query.limit });
      return {
        status: 200,
        body: { items: events.map((e) => ({ id: e.id, action: e.action, subject_id: e.subjectId, actor_id: e.actorId, actor_role: e.actorRole, reason: e.reason, details: e.details, created_at: e.createdAt.toISOString() })) },
      };
    },
  );
}
