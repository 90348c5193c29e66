import { z } from 'zod';
import { kycApplicationSchema } from '../../domain/kyc-application';
import { DEFAULT_STATUS_TEXT, isTerminal, kycStatusSchema } from '../../domain/status';
import { STAFF_ROLES, principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { findVisibleRecord } from '../use-cases/find-visible-record';
import { retryVerification } from '../use-cases/retry-verification';
import { startVerification, type StartVerificationDeps } from '../use-cases/start-verification';

// Seed 000's customer API (the Django app's /api/kyc/): start, status, timeline, summary, retry.

export type KycRouteDeps = StartVerificationDeps;

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
  session_url: z.string().nullable().describe('The Veriff session to open; null once the verification has ended'),
});

export const startVerificationResponseSchema = verificationProgressSchema.extend({
  workflow_id: z.string(),
  created: z.boolean().describe('false when an active verification already existed: its record is returned'),
});

export const recordStatusResponseSchema = verificationProgressSchema.extend({
  attempt: z.number().int(),
  country: z.string(),
  document_type: z.string(),
  risk_score: z.number().int().nullable(),
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
      actor_id: z.string().nullable(),
      reason: z.string().nullable(),
      data: z.unknown(),
      created_at: isoDateTime,
    }),
  ),
});

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
      .object({ wallet_type: z.string(), is_kyc_verified: z.boolean(), daily_limit: z.string(), monthly_limit: z.string(), upgraded_at: isoDateTime.nullable() })
      .nullable(),
  }),
]);

const TAGS = ['seed 000: KYC records'];
const anyone = ['customer', ...STAFF_ROLES] as const;

export function kycRoutes(api: ApiRouter, deps: KycRouteDeps): void {
  const { db } = deps;

  api.route(
    {
      method: 'post',
      path: '/records/start_verification/',
      operationId: 'startVerification',
      summary: 'Start a verification and get the Veriff session URL',
      description:
        'Validates the application, creates the KYC record and opens the Veriff session; answers 201 with the session URL. While a verification is active, a second start answers 200 with that one. Rate limited per client IP (KYC_RATE_LIMIT_PER_IP starts per hour).',
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
      summary: 'Retry after Veriff asked for a resubmission',
      description: 'Opens a new Veriff session for the next attempt, capped by KYC_MAX_RETRIES.',
      tags: TAGS,
      access: ['customer'],
      params: recordParamsSchema,
      responses: { 200: { description: 'New attempt started', schema: verificationProgressSchema } },
      problems: ['conflict', 'upstream_unavailable'],
    },
    async (req) => {
      const record = await findVisibleRecord(db, principalOf(req), req.params.id);
      const retried = await retryVerification(deps, record);
      return { status: 200, body: { id: retried.recordId, status: retried.status, reason: retried.reason, next_action: retried.nextAction, session_url: retried.sessionUrl } };
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
      responses: { 200: { description: 'The record', schema: recordStatusResponseSchema } },
    },
    async (req) => {
      const record = await findVisibleRecord(db, principalOf(req), req.params.id);
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
          risk_score: record.riskScore,
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
      responses: { 200: { description: 'Events, oldest first', schema: recordEventsResponseSchema } },
    },
    async (req) => {
      const record = await findVisibleRecord(db, principalOf(req), req.params.id);
      const events = await db.kycEvent.findMany({ where: { kycRecordId: record.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
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
            actor_id: e.actorId,
            reason: e.reason,
            data: e.data,
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
        const byStatus = await db.kycRecord.groupBy({ by: ['status'], _count: { _all: true } });
        return {
          status: 200,
          body: { scope: 'all' as const, by_status: Object.fromEntries(byStatus.map((g) => [g.status, g._count._all])), total: byStatus.reduce((n, g) => n + g._count._all, 0) },
        };
      }
      const [wallet, records] = await Promise.all([
        db.wallet.findUnique({ where: { userId: principal.userId } }),
        db.kycRecord.findMany({ where: { userId: principal.userId }, orderBy: { createdAt: 'desc' } }),
      ]);
      const latest = records[0];
      return {
        status: 200,
        body: {
          scope: 'own' as const,
          kyc_verified: records.some((r) => r.status === 'approved'),
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
          records_count: records.length,
          wallet: wallet
            ? {
                wallet_type: wallet.walletType,
                is_kyc_verified: wallet.isKycVerified,
                daily_limit: wallet.dailyLimit.toFixed(2),
                monthly_limit: wallet.monthlyLimit.toFixed(2),
                upgraded_at: wallet.upgradedAt?.toISOString() ?? null,
              }
            : null,
        },
      };
    },
  );
}
