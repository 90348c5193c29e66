import { z } from 'zod';
import { isCustomerVisibleEvent } from '../../domain/customer-view';
import { kycApplicationSchema } from '../../domain/kyc-application';
import { DEFAULT_STATUS_TEXT, isTerminal, kycStatusSchema } from '../../domain/status';
import { STAFF_ROLES, principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { readerOf, restrictedReadQuerySchema } from '../restricted-read';
import { type UseCaseDeps } from '../use-cases/deps';
import { findVisibleRecord } from '../use-cases/find-visible-record';
import { retryVerification } from '../use-cases/retry-verification';
import { startVerification } from '../use-cases/start-verification';
import { uploadRecordDocument } from '../use-cases/upload-document';
import { documentSchema, documentView, uploadFieldsSchema } from './document-views';

// The KYC records API (/api/kyc/): start, status, timeline, summary, retry. Customers see their
// own records in words (status, reason, next action); staff see everything, scores and codes too.

export const recordParamsSchema = z.object({ id: z.uuid().describe('KYC record id') });

export const APPLICATION_EXAMPLE = {
  first_name: 'John',
  last_name: 'Doe',
  date_of_birth: '1990-01-01',
  nationality: 'BW',
  document_type: 'passport',
  document_number: 'BP123456789',
  address_line_1: '123 Main St',
  city: 'Gaborone',
  state_province: 'South East',
  postal_code: '00000',
  country: 'BW',
};

const isoDateTime = z.iso.datetime();

export const verificationProgressSchema = z.object({
  id: z.uuid(),
  status: kycStatusSchema,
  reason: z.string().describe('Why the verification is in this status, for the customer'),
  next_action: z.string().describe('What the customer should do next'),
  session_url: z.string().nullable().describe('The identity-verification session to open; null once the verification has ended'),
});

export const startVerificationResponseSchema = verificationProgressSchema.extend({
  workflow_id: z.string(),
  created: z.boolean().describe('false when an active verification already existed: its record is returned'),
});

export const recordStatusResponseSchema = verificationProgressSchema.extend({
  attempt: z.number().int(),
  country: z.string(),
  document_type: z.string(),
  risk_score: z.number().int().nullable().optional().describe('Staff only: the risk score once assessed'),
  created_at: isoDateTime,
  updated_at: isoDateTime,
  verified_at: isoDateTime.nullable(),
});

export const recordEventsResponseSchema = z.object({
  record_id: z.uuid(),
  count: z.number().int(),
  events: z.array(
    z.object({
      id: z.uuid(),
      event_type: z.string(),
      from_status: kycStatusSchema.nullable(),
      to_status: kycStatusSchema.nullable(),
      actor_type: z.string(),
      actor_id: z.string().nullable().optional().describe('Staff only (customers see their own id on what they did)'),
      reason: z.string().nullable(),
      data: z.unknown().optional().describe('Staff only: ids, codes and scores behind the event'),
      created_at: isoDateTime,
    }),
  ),
}).describe('Customers see the status changes of their verification and what they did themselves; staff see the whole audit trail.');

export const summaryResponseSchema = z.discriminatedUnion('scope', [
  z.object({
    scope: z.literal('all').describe('Staff: counts over every record'),
    by_status: z.record(z.string(), z.number().int()),
    total: z.number().int(),
  }),
  z.object({
    scope: z.literal('own').describe("Customer: the caller's own verification and wallet"),
    kyc_verified: z.boolean(),
    latest_record: z
      .object({ id: z.uuid(), status: kycStatusSchema, reason: z.string().nullable(), next_action: z.string().nullable(), created_at: isoDateTime, verified_at: isoDateTime.nullable() })
      .nullable(),
    records_count: z.number().int(),
    wallet: z
      .object({
        wallet_type: z.string(),
        is_kyc_verified: z.boolean(),
        daily_limit: z.string(),
        monthly_limit: z.string(),
        upgraded_at: isoDateTime.nullable(),
        restricted: z.boolean().describe('The wallet is frozen pending a compliance review'),
      })
      .nullable(),
  }),
]);

export const recordDocumentUploadSchema = z.object({
  document: documentSchema,
  created: z.boolean().describe('false when the same file had been uploaded for this attempt already'),
  check: z
    .enum(['started', 'already_checked', 'not_applicable'])
    .describe('With the local vendor, the front starts the document check (started); already_checked: this attempt has its decision; not_applicable: no check starts (another kind, or another vendor)'),
});

export const recordDocumentsSchema = z.object({ record_id: z.uuid(), documents: z.array(documentSchema) });

const TAGS = ['KYC records'];
const anyone = ['customer', ...STAFF_ROLES] as const;

export function kycRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  const { records } = deps.stores;

  api.route(
    {
      method: 'post',
      path: '/records/start_verification/',
      operationId: 'startVerification',
      summary: 'Start a verification and get the identity-verification session URL',
      description:
        'Validates the application, creates the KYC record and opens the identity-verification session; answers 201 with the session URL. While a verification is active, a second start answers 200 with that one. Rate limited per client IP (KYC_RATE_LIMIT_PER_IP starts per hour).',
      tags: TAGS,
      access: ['customer'],
      body: { schema: kycApplicationSchema, validate: false, example: APPLICATION_EXAMPLE },
      responses: {
        201: { description: 'Verification started', schema: startVerificationResponseSchema },
        200: { description: 'An active verification already existed', schema: startVerificationResponseSchema },
      },
      problems: ['validation_failed', 'conflict', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      const started = await startVerification(deps, principalOf(req), req.body, req.ip ?? 'unknown');
      const body = {
        id: started.recordId,
        status: started.status,
        reason: started.reason,
        next_action: started.nextAction,
        session_url: started.sessionUrl,
        workflow_id: started.workflowId,
        created: started.created,
      };
      return started.created ? { status: 201, body } : { status: 200, body };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/records/:id/retry/',
      operationId: 'retryVerification',
      summary: 'Retry after a resubmission was asked for',
      description: 'Opens a new identity-verification session for the next attempt, capped by KYC_MAX_RETRIES.',
      tags: TAGS,
      access: ['customer'],
      params: recordParamsSchema,
      responses: { 200: { description: 'New attempt started', schema: verificationProgressSchema } },
      problems: ['conflict', 'upstream_unavailable'],
    },
    async (req) => {
      const record = await findVisibleRecord(records, principalOf(req), req.params.id);
      const retried = await retryVerification(deps, record);
      return { status: 200, body: { id: retried.recordId, status: retried.status, reason: retried.reason, next_action: retried.nextAction, session_url: retried.sessionUrl } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/records/:id/documents/',
      operationId: 'uploadRecordDocument',
      summary: 'Upload a document image to the current attempt (front, back or selfie)',
      description:
        'multipart/form-data with `kind` and `file` (JPEG or PNG, at most KYC_DOCUMENT_MAX_BYTES and KYC_DOCUMENT_MAX_PIXELS). Taken while the verification waits for the documents (pending, in progress), up to KYC_UPLOADS_PER_ATTEMPT_MAX images per attempt (409) and KYC_UPLOADS_PER_HOUR_PER_CUSTOMER / _PER_IP uploads per hour (429). ' +
        'The image is checked to be what it says (its bytes, not its name or declared type); what is stored, encrypted, is the picture decoded and encoded again (nothing after its end, only the metadata the document check reads). With the local vendor (KYC_VENDOR=local) the front starts the document check: upload the back and the selfie first.',
      tags: TAGS,
      access: ['customer'],
      params: recordParamsSchema,
      multipart: { fields: uploadFieldsSchema, file: { name: 'file', description: 'The image: JPEG or PNG', required: true }, maxFileBytes: deps.config.KYC_DOCUMENT_MAX_BYTES },
      responses: { 201: { description: 'Stored', schema: recordDocumentUploadSchema } },
      problems: ['conflict', 'image_not_accepted', 'image_type_unsupported', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      // multipartBody refuses a form without its required file before this runs.
      const uploaded = await uploadRecordDocument(deps, principalOf(req), req.params.id, { kind: req.body.kind, file: req.file!.buffer, clientIp: req.ip ?? 'unknown' });
      return { status: 201, body: { document: documentView(uploaded.document), created: uploaded.created, check: uploaded.check } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/records/:id/documents/',
      operationId: 'listRecordDocuments',
      summary: 'The document images of a verification (what they are, not their content)',
      tags: TAGS,
      access: anyone,
      params: recordParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'Oldest first', schema: recordDocumentsSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const reader = readerOf(req);
      const record = await findVisibleRecord(records, reader, req.params.id);
      const documents = await deps.stores.documents.ofRecord(record.id, reader);
      return { status: 200, body: { record_id: record.id, documents: documents.map(documentView) } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/records/:id/status/',
      operationId: 'getRecordStatus',
      summary: 'Status of a verification, with the reason and the next action',
      tags: TAGS,
      access: anyone,
      params: recordParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'The record', schema: recordStatusResponseSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const principal = principalOf(req);
      const record = await findVisibleRecord(records, readerOf(req), req.params.id);
      const text = DEFAULT_STATUS_TEXT[record.status];
      return {
        status: 200,
        body: {
          id: record.id,
          status: record.status,
          reason: record.statusReason ?? text.reason,
          next_action: record.nextAction ?? text.nextAction,
          session_url: isTerminal(record.status) ? null : record.veriffSessionUrl,
          attempt: record.attempt,
          country: record.country,
          document_type: record.documentType,
          ...(principal.role === 'customer' ? {} : { risk_score: record.riskScore }),
          created_at: record.createdAt.toISOString(),
          updated_at: record.updatedAt.toISOString(),
          verified_at: record.verifiedAt?.toISOString() ?? null,
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/records/:id/events/',
      operationId: 'getRecordEvents',
      summary: 'The append-only audit trail of a verification',
      tags: TAGS,
      access: anyone,
      params: recordParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'Events, oldest first', schema: recordEventsResponseSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const principal = principalOf(req);
      const record = await findVisibleRecord(records, readerOf(req), req.params.id);
      const customer = principal.role === 'customer';
      const events = (await records.events(record.id)).filter((e) => !customer || isCustomerVisibleEvent(e));
      return {
        status: 200,
        body: {
          record_id: record.id,
          count: events.length,
          events: events.map((e) => ({
            id: e.id,
            event_type: e.eventType,
            from_status: e.fromStatus,
            to_status: e.toStatus,
            actor_type: e.actorType,
            ...(customer ? (e.actorId === principal.userId ? { actor_id: e.actorId } : {}) : { actor_id: e.actorId, data: e.data }),
            reason: e.reason,
            created_at: e.createdAt.toISOString(),
          })),
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/summary/',
      operationId: 'getSummary',
      summary: "The caller's verification and wallet (customers), or counts by status (staff)",
      tags: TAGS,
      access: anyone,
      responses: { 200: { description: 'Summary', schema: summaryResponseSchema } },
    },
    async (req) => {
      const principal = principalOf(req);
      if (principal.role !== 'customer') {
        const byStatus = await records.countsByStatus();
        return { status: 200, body: { scope: 'all' as const, by_status: byStatus, total: Object.values(byStatus).reduce((n, count) => n + count, 0) } };
      }
      const { wallet, records: own } = await records.customerSummary(principal.userId);
      const latest = own[0];
      return {
        status: 200,
        body: {
          scope: 'own' as const,
          kyc_verified: own.some((r) => r.status === 'approved'),
          latest_record: latest
            ? {
                id: latest.id,
                status: latest.status,
                reason: latest.statusReason,
                next_action: latest.nextAction,
                created_at: latest.createdAt.toISOString(),
                verified_at: latest.verifiedAt?.toISOString() ?? null,
              }
            : null,
          records_count: own.length,
          wallet: wallet
            ? {
                wallet_type: wallet.walletType,
                is_kyc_verified: wallet.isKycVerified,
                daily_limit: wallet.dailyLimit.toFixed(2),
                monthly_limit: wallet.monthlyLimit.toFixed(2),
                restricted: wallet.restrictedAt !== null,
                upgraded_at: wallet.upgradedAt?.toISOString() ?? null,
              }
            : null,
        },
      };
    },
  );
}
