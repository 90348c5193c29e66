import { z } from 'zod';
import { kycApplicationSchema } from '../../domain/kyc-application';
import { DEFAULT_STATUS_TEXT, isTerminal, kycStatusSchema, PASSPORT_VERIFICATION_STATUSES, passportVerificationStatus } from '../../domain/status';
import { type KycRecord } from '../../store/records';
import { STAFF_ROLES, principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { readerOf, restrictedReadQuerySchema } from '../restricted-read';
import { type UseCaseDeps } from '../use-cases/deps';
import { findVisibleRecord } from '../use-cases/find-visible-record';
import { retryOrRestartVerification } from '../use-cases/retry-verification';
import { startVerification } from '../use-cases/start-verification';
import { APPLICATION_EXAMPLE, recordParamsSchema } from './kyc';

// The passport-verification API (/api/verifications/): explicit states, each with a reason and a
// next action, and a retry. A view of the same records and workflows as the KYC records API.

export const passportVerificationStatusSchema = z.enum(PASSPORT_VERIFICATION_STATUSES);

export const verificationSchema = z.object({
  id: z.uuid(),
  status: passportVerificationStatusSchema,
  kyc_status: kycStatusSchema.describe('The detailed status this one is a view of'),
  reason: z.string().describe('Why it is in this state: never a silent "under review"'),
  next_action: z.string(),
  session_url: z.string().nullable().describe('The provider session to open while one is needed'),
  attempt: z.number().int(),
  document_type: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  verified_at: z.iso.datetime().nullable(),
});

function verificationView(record: KycRecord): z.input<typeof verificationSchema> {
  const text = DEFAULT_STATUS_TEXT[record.status];
  return {
    id: record.id,
    status: passportVerificationStatus(record.status),
    kyc_status: record.status,
    reason: record.statusReason ?? text.reason,
    next_action: record.nextAction ?? text.nextAction,
    session_url: isTerminal(record.status) ? null : record.veriffSessionUrl,
    attempt: record.attempt,
    document_type: record.documentType,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    verified_at: record.verifiedAt?.toISOString() ?? null,
  };
}

// A passport API: the document type may be left out and means a passport. The schema documents
// the payload; the use case validates it (with the rules that need today's date).
const DEFAULT_DOCUMENT_TYPE = 'passport';
export const passportApplicationSchema = z.strictObject({ ...kycApplicationSchema.shape, document_type: kycApplicationSchema.shape.document_type.default(DEFAULT_DOCUMENT_TYPE) });
const asPassportByDefault = (body: unknown): unknown =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && !('document_type' in body) ? { ...body, document_type: DEFAULT_DOCUMENT_TYPE } : body;

const TAGS = ['Passport verifications'];

export function verificationRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  const { records } = deps.stores;
  const reply = async (id: string, created: boolean) => {
    const body = verificationView((await records.get(id))!);
    return created ? { status: 201 as const, body } : { status: 200 as const, body };
  };

  api.route(
    {
      method: 'post',
      path: '/',
      operationId: 'submitVerification',
      summary: 'Submit passport details for verification',
      description: 'The application fields of the KYC records API; document_type defaults to passport. Starts the verification like every other start endpoint (same rate limit).',
      tags: TAGS,
      access: ['customer'],
      body: { schema: passportApplicationSchema, validate: false, example: APPLICATION_EXAMPLE },
      responses: {
        201: { description: 'Submitted', schema: verificationSchema },
        200: { description: 'A verification was already running: that one', schema: verificationSchema },
      },
      problems: ['validation_failed', 'conflict', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      const started = await startVerification(deps, principalOf(req), asPassportByDefault(req.body), req.ip ?? 'unknown');
      return reply(started.recordId, started.created);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id/',
      operationId: 'getVerification',
      summary: 'Verification status',
      tags: TAGS,
      access: ['customer', ...STAFF_ROLES],
      params: recordParamsSchema,
      query: restrictedReadQuerySchema,
      responses: { 200: { description: 'The verification', schema: verificationSchema } },
      problems: ['gone', 'reason_required'],
    },
    async (req) => {
      const record = await findVisibleRecord(records, readerOf(req), req.params.id);
      return { status: 200, body: verificationView(record) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/retry/',
      operationId: 'retryPassportVerification',
      summary: 'Retry a verification that needs action, failed for a technical reason, or expired',
      description: [
        '- requires_action (a resubmission was asked for): a new attempt with a new session, in the same verification (200).',
        '- expired, or failed because of a technical error: a new verification from the details already submitted (201; rate limited like a start).',
        '- failed because the identity was declined: 409, a retry would be declined again; contact support.',
        '- any other state: 409, nothing to retry.',
      ].join('\n'),
      tags: TAGS,
      access: ['customer'],
      params: recordParamsSchema,
      responses: {
        200: { description: 'A new attempt of the same verification', schema: verificationSchema },
        201: { description: 'A new verification from the same details', schema: verificationSchema },
      },
      problems: ['conflict', 'rate_limited', 'upstream_unavailable'],
    },
    async (req) => {
      const principal = principalOf(req);
      const record = await findVisibleRecord(records, principal, req.params.id);
      const retried = await retryOrRestartVerification(deps, principal, record, req.ip ?? 'unknown');
      return reply(retried.recordId, retried.restarted);
    },
  );
}
