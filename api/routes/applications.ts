import { z } from 'zod';
import { documentTypeCode, kycApplicationSchema, type KycDocumentType } from '../../domain/kyc-application';
import { APPLICATION_STATUSES, DEFAULT_STATUS_TEXT, isTerminal, kycStatusSchema } from '../../domain/status';
import { type ApplicationRow } from '../../store/records';
import { issuingCountry } from '../../vendors/identity-vendor';
import { STAFF_ROLES, principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { readerOf, restrictedReadQuerySchema } from '../restricted-read';
import { decodeCursor, page, pageQueryShape } from '../pagination';
import { amendPendingApplication, applicationPatchSchema } from '../use-cases/amend-application';
import { type UseCaseDeps } from '../use-cases/deps';
import { findVisibleRecord } from '../use-cases/find-visible-record';
import { applicationDocumentRefsSchema, submitApplication } from '../use-cases/submit-application';
import { uploadApplicationFile } from '../use-cases/upload-document';
import { documentKindSchema, uploadFieldsSchema } from './document-views';
import { APPLICATION_EXAMPLE, recordParamsSchema } from './kyc';

// The applications API (/v1/kyc/applications): the same kyc_records rows and workflows as the KYC
// records API, in the contract event-driven clients use (upper-case statuses, documents, RFC 7807).

export const applicationStatusSchema = z.enum(APPLICATION_STATUSES);

export const applicationSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  email: z.string().nullable().describe("The applicant's account e-mail, when the account has one"),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  status: applicationStatusSchema,
  kyc_status: kycStatusSchema.describe('The detailed status this one is a view of'),
  reason: z.string().nullable(),
  next_action: z.string().nullable(),
  session_url: z.string().nullable(),
  country: z.string(),
  documents: z.array(
    z.object({
      doc_type: z.string().describe('PASSPORT, ID_CARD, DRIVERS_LICENSE or RESIDENCE_PERMIT'),
      issued_country: z.string(),
      file_id: z.uuid().nullable().describe('A file of the document (one entry per file); null when no file is kept'),
      side: documentKindSchema.nullable().describe('Which image the file is'),
    }),
  ),
});

export const applicationFileSchema = z.object({
  file_id: z.uuid().describe('Reference it in documents[] of POST /v1/kyc/applications'),
  kind: documentKindSchema,
  content_type: z.enum(['image/jpeg', 'image/png']),
  size: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  created_at: z.iso.datetime(),
});

const applicationRequestSchema = kycApplicationSchema.extend({ documents: applicationDocumentRefsSchema.optional().describe('Files uploaded first with POST /v1/kyc/files') });

export const applicationListSchema = z.object({
  items: z.array(applicationSchema),
  next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
});

const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const applicationListQuerySchema = z.object({
  status: applicationStatusSchema.optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 code')
    .transform((c) => c.toUpperCase())
    .optional()
    .describe('Country of residence, ISO 3166-1 alpha-2'),
  created_from: dateOrDateTime.optional().describe('Created at or after (YYYY-MM-DD is that day, 00:00 UTC)'),
  created_to: dateOrDateTime.optional().describe('Created at or before (YYYY-MM-DD includes that whole day, UTC)'),
  ...pageQueryShape,
});

const DAY_MS = 24 * 3600 * 1000;

function createdRange(from: string | undefined, to: string | undefined): { gte?: Date; lt?: Date; lte?: Date } | undefined {
  if (!from && !to) return undefined;
  const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
  return {
    ...(from ? { gte: new Date(isDate(from) ? `${from}T00:00:00Z` : from) } : {}),
    ...(to ? (isDate(to) ? { lt: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) } : { lte: new Date(to) }) : {}),
  };
}

function applicationView(record: ApplicationRow): z.input<typeof applicationSchema> {
  const text = DEFAULT_STATUS_TEXT[record.status];
  const documentType = record.documentType as KycDocumentType;
  return {
    id: record.id,
    user_id: record.userId,
    email: record.user.email,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    status: record.applicationStatus,
    kyc_status: record.status,
    reason: record.statusReason ?? text.reason,
    next_action: record.nextAction ?? text.nextAction,
    session_url: isTerminal(record.status) ? null : record.veriffSessionUrl,
    country: record.country,
    documents: (record.documents.length ? record.documents : [null]).map((file) => ({
      doc_type: documentTypeCode(documentType),
      issued_country: issuingCountry(documentType, record.nationality, record.country),
      file_id: file?.id ?? null,
      side: file?.kind ?? null,
    })),
  };
}

const TAGS = ['Applications'];

export function applicationRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  const { records } = deps.stores;
  const viewOf = async (id: string) => applicationView(await records.application(id));

  api.route(
    {
      method: 'post',
      path: '',
      operationId: 'createApplication',
      summary: 'Submit an application (starts a verification)',
      description:
        'Takes the application fields of the KYC records API and starts the verification exactly like POST /api/kyc/records/start_verification/ (same record, same workflow, same rate limit). 201 with the new application; 200 with the active one when a verification is already running.',
      tags: TAGS,
      access: ['customer'],
      body: { schema: applicationRequestSchema, validate: false, example: APPLICATION_EXAMPLE },
      responses: {
        201: { description: 'Application created', schema: applicationSchema },
        200: { description: 'An active application already existed', schema: applicationSchema },
      },
      problems: ['validation_failed', 'conflict', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      const started = await submitApplication(deps, principalOf(req), req.body, req.ip ?? 'unknown');
      const body = await viewOf(started.recordId);
      return started.created ? { status: 201, body } : { status: 200, body };
    },
  );

  api.route(
    {
      method: 'get',
      path: '',
      operationId: 'listApplications',
      summary: 'List applications, newest first (customers: their own; staff: all)',
      tags: TAGS,
      access: ['customer', ...STAFF_ROLES],
      query: applicationListQuerySchema,
      responses: { 200: { description: 'One page', schema: applicationListSchema } },
    },
    async (req) => {
      const principal = principalOf(req);
      const query = req.query;
      const created = createdRange(query.created_from, query.created_to);
      const after = decodeCursor(query.cursor);
      const rows = await records.listApplications({
        ...(principal.role === 'customer' ? { userId: principal.userId } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.country ? { country: query.country } : {}),
        ...(created ? { createdAt: created } : {}),
        ...(after ? { after } : {}),
        limit: query.limit,
      });
      const { items, nextCursor } = page(rows, query.limit);
      return { status: 200, body: { items: items.map(applicationView), next_cursor: nextCursor } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id',
      operationId: 'getApplication',
      summary: 'One application',
      tags: TAGS,
      access: ['customer', ...STAFF_ROLES],
      params: recordParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'The application', schema: applicationSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const record = await findVisibleRecord(records, readerOf(req), req.params.id);
      return { status: 200, body: await viewOf(record.id) };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:id',
      operationId: 'updateApplication',
      summary: 'Amend the address of a pending application',
      description:
        'Only the address can change, and only before the identity-verification session is opened: from then on the submitted details are what Veriff checks and what reviewers compare against, so any change answers 409 (start a new application instead). null clears address_line_2 or state_province.',
      tags: TAGS,
      access: ['customer'],
      params: recordParamsSchema,
      body: { schema: applicationPatchSchema, example: { address_line_1: '12 Khama Crescent', city: 'Gaborone' } },
      responses: { 200: { description: 'The amended application', schema: applicationSchema } },
      problems: ['conflict'],
    },
    async (req) => {
      const record = await amendPendingApplication(deps, principalOf(req), req.params.id, req.body);
      return { status: 200, body: await viewOf(record.id) };
    },
  );
}

// The applications API's files (/v1/kyc/files): document images uploaded ahead of an application,
// which references them by file_id. A path of its own, so it never meets /v1/kyc/applications/{id}.
export function applicationFileRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  api.route(
    {
      method: 'post',
      path: '',
      operationId: 'uploadApplicationFile',
      summary: 'Upload a document image ahead of an application; answers its file_id',
      description:
        'multipart/form-data with `kind` (front, back or selfie; default front) and `file` (JPEG or PNG, at most KYC_DOCUMENT_MAX_BYTES and KYC_DOCUMENT_MAX_PIXELS). The image is checked to be what it says; what is stored, encrypted, is the picture decoded and encoded again (nothing after its end, only the metadata the document check reads), ' +
        'waiting for POST /v1/kyc/applications to reference it in documents[] by file_id. The same file uploaded twice answers the same file_id. At most KYC_UPLOADS_WAITING_MAX uploads wait at once (409, rule waiting_uploads); ' +
        'at most KYC_UPLOADS_PER_HOUR_PER_CUSTOMER uploads per customer and KYC_UPLOADS_PER_HOUR_PER_IP per address per hour (429 with Retry-After, rule uploads_per_customer or uploads_per_address).',
      tags: TAGS,
      access: ['customer'],
      multipart: { fields: uploadFieldsSchema, file: { name: 'file', description: 'The image: JPEG or PNG', required: true }, maxFileBytes: deps.config.KYC_DOCUMENT_MAX_BYTES },
      responses: { 201: { description: 'Stored', schema: applicationFileSchema } },
      problems: ['conflict', 'image_not_accepted', 'image_type_unsupported', 'rate_limited'],
    },
    async (req) => {
      // multipartBody refuses a form without its required file before this runs.
      const { document } = await uploadApplicationFile(deps, principalOf(req), { kind: req.body.kind, file: req.file!.buffer, clientIp: req.ip ?? 'unknown' });
      return {
        status: 201,
        body: { file_id: document.id, kind: document.kind, content_type: document.contentType as 'image/jpeg' | 'image/png', size: document.byteSize, width: document.width, height: document.height, created_at: document.createdAt.toISOString() },
      };
    },
  );
}
