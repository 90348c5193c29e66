import { z } from 'zod';
import { kycApplicationSchema, veriffDocumentType, type KycDocumentType } from '../../domain/kyc-application';
import { DEFAULT_STATUS_TEXT, isTerminal, kycStatusSchema, seed002Status, type KycStatus } from '../../domain/status';
import { type Prisma } from '../../generated/prisma/client';
import { type PiiCipher } from '../../infra/crypto';
import { STAFF_ROLES, principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { afterCursor, decodeCursor, page, pageQueryShape } from '../pagination';
import { findVisibleRecord } from '../use-cases/find-visible-record';
import { startVerification } from '../use-cases/start-verification';
import { applicationPatchSchema, updatePendingApplication } from '../use-cases/update-application';
import { APPLICATION_EXAMPLE, recordParamsSchema, type KycRouteDeps } from './kyc';

// Seed 002's application API (/v1/kyc/applications): the same kyc_records rows and workflows as
// seed 000's endpoints, shown in seed 002's contract (upper-case statuses, documents, RFC 7807).

export const seed002StatusSchema = z.enum(['PENDING', 'IN_PROGRESS', 'VERIFIED', 'REJECTED', 'ROLLED_BACK']);
type Seed002Status = z.infer<typeof seed002StatusSchema>;

// The inverse of seed002Status: which of our statuses each seed 002 status stands for.
// ROLLED_BACK is an `error` record whose approval was compensated (a KYC_ROLLBACK event).
const ROLLBACK_EVENT = 'KYC_ROLLBACK';
function statusFilter(status: Seed002Status): Prisma.KycRecordWhereInput {
  const rolledBack = { events: { some: { eventType: ROLLBACK_EVENT } } };
  if (status === 'ROLLED_BACK') return rolledBack;
  const ours = kycStatusSchema.options.filter((s) => seed002Status(s, false) === status);
  return status === 'REJECTED' ? { status: { in: ours }, NOT: rolledBack } : { status: { in: ours } };
}

export const applicationSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  email: z.string().nullable().describe("The applicant's account e-mail, when the account has one"),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  status: seed002StatusSchema,
  kyc_status: kycStatusSchema.describe('The detailed status this one is a view of'),
  reason: z.string().nullable(),
  next_action: z.string().nullable(),
  session_url: z.string().nullable(),
  country: z.string(),
  documents: z.array(z.object({ doc_type: z.string().describe('PASSPORT, ID_CARD, DRIVERS_LICENSE or RESIDENCE_PERMIT'), issued_country: z.string() })),
});

export const applicationListSchema = z.object({
  items: z.array(applicationSchema),
  next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
});

const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const applicationListQuerySchema = z.object({
  status: seed002StatusSchema.optional(),
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

function createdRange(from: string | undefined, to: string | undefined): Prisma.DateTimeFilter | undefined {
  if (!from && !to) return undefined;
  const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
  return {
    ...(from ? { gte: new Date(isDate(from) ? `${from}T00:00:00Z` : from) } : {}),
    ...(to ? (isDate(to) ? { lt: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) } : { lte: new Date(to) }) : {}),
  };
}

const issuingCountry = (record: { documentType: string; nationality: string; country: string }) =>
  record.documentType === 'passport' || record.documentType === 'id_card' ? record.nationality : record.country;

const withView = { user: { select: { email: true } }, events: { where: { eventType: ROLLBACK_EVENT }, select: { id: true }, take: 1 } } as const;
type RecordWithView = Prisma.KycRecordGetPayload<{ include: typeof withView }>;

function applicationView(record: RecordWithView): z.input<typeof applicationSchema> {
  const text = DEFAULT_STATUS_TEXT[record.status as KycStatus];
  return {
    id: record.id,
    user_id: record.userId,
    email: record.user.email,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    status: seed002Status(record.status, record.events.length > 0),
    kyc_status: record.status,
    reason: record.statusReason ?? text.reason,
    next_action: record.nextAction ?? text.nextAction,
    session_url: isTerminal(record.status) ? null : record.veriffSessionUrl,
    country: record.country,
    documents: [{ doc_type: veriffDocumentType(record.documentType as KycDocumentType), issued_country: issuingCountry(record) }],
  };
}

const TAGS = ['seed 002: applications'];

export function applicationRoutes(api: ApiRouter, deps: KycRouteDeps & { cipher: PiiCipher }): void {
  const { db } = deps;
  const viewOf = async (id: string) => applicationView(await db.kycRecord.findUniqueOrThrow({ where: { id }, include: withView }));

  api.route(
    {
      method: 'post',
      path: '',
      operationId: 'createApplication',
      summary: 'Submit an application (starts a verification)',
      description:
        "Takes seed 000's application fields and starts the verification exactly like POST /api/kyc/records/start_verification/ (same record, same workflow, same rate limit). 201 with the new application; 200 with the active one when a verification is already running.",
      tags: TAGS,
      access: ['customer'],
      body: { schema: kycApplicationSchema, validate: false, example: APPLICATION_EXAMPLE },
      responses: {
        201: { description: 'Application created', schema: applicationSchema },
        200: { description: 'An active application already existed', schema: applicationSchema },
      },
      problems: ['validation_failed', 'conflict', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      const started = await startVerification(deps, principalOf(req), req.body, req.ip ?? 'unknown');
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
      const where: Prisma.KycRecordWhereInput = {
        AND: [
          principal.role === 'customer' ? { userId: principal.userId } : {},
          query.status ? statusFilter(query.status) : {},
          query.country ? { country: query.country } : {},
          created ? { createdAt: created } : {},
          afterCursor(decodeCursor(query.cursor)),
        ],
      };
      const rows = await db.kycRecord.findMany({ where, include: withView, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit + 1 });
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
      responses: { 200: { description: 'The application', schema: applicationSchema } },
    },
    async (req) => {
      const record = await findVisibleRecord(db, principalOf(req), req.params.id);
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
        'Only the address can change, and only before the Veriff session is opened: from then on the submitted details are what Veriff checks and what reviewers compare against, so any change answers 409 (start a new application instead). null clears address_line_2 or state_province.',
      tags: TAGS,
      access: ['customer'],
      params: recordParamsSchema,
      body: { schema: applicationPatchSchema, example: { address_line_1: '12 Khama Crescent', city: 'Gaborone' } },
      responses: { 200: { description: 'The amended application', schema: applicationSchema } },
      problems: ['conflict'],
    },
    async (req) => {
      const record = await updatePendingApplication(deps, principalOf(req), req.params.id, req.body);
      return { status: 200, body: await viewOf(record.id) };
    },
  );
}
