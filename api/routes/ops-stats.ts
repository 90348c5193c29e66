import { z } from 'zod';
import { dailyReportFiguresSchema } from '../../domain/alerts';
import { type Config } from '../../domain/config';
import { type Db } from '../../infra/db';
import { countryDistribution, dailyReports, dailyStatistics, duplicateDocuments, stuckRecords } from '../../store/ops-queries';
import { type ApiRouter } from '../openapi';

// The monitoring queries as admin endpoints (read-only: the auditor reads them too).
// Days are calendar days in KYC_OPS_TIMEZONE; nothing here carries PII.

export interface OpsStatsDeps {
  db: Db;
  config: Pick<Config, 'KYC_OPS_TIMEZONE' | 'KYC_ALERT_STUCK_RECORDS_THRESHOLD'>;
  now: () => Date;
}

const TAGS = ['Operations'];
const READERS = ['admin', 'auditor'] as const;
const isoDateTime = z.iso.datetime();
const day = z.iso.date();

export const dailyStatisticsQuerySchema = z.object({ days: z.coerce.number().int().min(1).max(92).default(7).describe('How many days, today included') });
export const dailyStatisticsResponseSchema = z.object({
  time_zone: z.string(),
  days: z.array(
    z.object({
      date: day,
      total: z.number().int().describe('Verifications started that day'),
      approved: z.number().int(),
      rejected: z.number().int(),
      pending: z.number().int(),
      avg_processing_minutes: z.number().nullable().describe('Average minutes from start to approval (verified_at); null when none was approved'),
    }),
  ),
});

export const countryStatisticsQuerySchema = z.object({ days: z.coerce.number().int().min(1).max(3660).optional().describe('Only verifications started in the last N days; all when absent') });
export const countryStatisticsResponseSchema = z.object({
  items: z.array(z.object({ country: z.string(), total: z.number().int(), approved: z.number().int(), approval_rate: z.number().describe('approved * 100 / total') })),
});

export const duplicateDocumentsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const duplicateDocumentsResponseSchema = z.object({
  items: z.array(
    z.object({
      fingerprint: z.string().describe('The first 16 hex digits of the keyed hash of the document number (never the number)'),
      usage_count: z.number().int().describe('Verifications using it'),
      user_count: z.number().int().describe('Distinct customers using it (at least 2)'),
      user_ids: z.array(z.uuid()),
      record_ids: z.array(z.uuid()),
      first_seen: isoDateTime,
      last_seen: isoDateTime,
    }),
  ),
});

export const stuckRecordsQuerySchema = z.object({
  older_than_minutes: z.coerce.number().int().min(1).max(525_600).optional().describe('Default: KYC_ALERT_STUCK_RECORDS_THRESHOLD'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const stuckRecordsResponseSchema = z.object({
  older_than_minutes: z.number(),
  count: z.number().int().describe('All stuck verifications (items lists the oldest, up to limit)'),
  items: z.array(
    z.object({
      id: z.uuid(),
      user_id: z.uuid(),
      status: z.string(),
      country: z.string(),
      created_at: isoDateTime,
      updated_at: isoDateTime,
      minutes_since_created: z.number().int(),
    }),
  ),
});

export const dailyReportsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(366).default(14) });
export const dailyReportsResponseSchema = z.object({
  items: z.array(z.object({ date: day, generated_at: isoDateTime, figures: dailyReportFiguresSchema.extend({ alerts: z.array(z.string()).describe('Condition keys of the alerts the report raised') }) })),
});

export function opsStatsRoutes(api: ApiRouter, deps: OpsStatsDeps): void {
  const { db, config } = deps;

  api.route(
    {
      method: 'get',
      path: '/daily/',
      operationId: 'dailyStatistics',
      summary: "Daily KYC statistics: total, approved, rejected, pending, average processing minutes",
      tags: TAGS,
      access: READERS,
      query: dailyStatisticsQuerySchema,
      responses: { 200: { description: 'One entry per day, newest first; days without verifications are zeros', schema: dailyStatisticsResponseSchema } },
    },
    async (req) => {
      const rows = await dailyStatistics(db, { days: req.query.days, timeZone: config.KYC_OPS_TIMEZONE });
      return {
        status: 200,
        body: {
          time_zone: config.KYC_OPS_TIMEZONE,
          days: rows.map((r) => ({ date: r.date, total: r.total, approved: r.approved, rejected: r.rejected, pending: r.pending, avg_processing_minutes: r.avgProcessingMinutes })),
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/countries/',
      operationId: 'countryStatistics',
      summary: "Country-wise distribution with the approval rate",
      tags: TAGS,
      access: READERS,
      query: countryStatisticsQuerySchema,
      responses: { 200: { description: 'Countries by number of verifications, most first', schema: countryStatisticsResponseSchema } },
    },
    async (req) => {
      const since = req.query.days ? new Date(deps.now().getTime() - req.query.days * 86_400_000) : undefined;
      const rows = await countryDistribution(db, since ? { since } : {});
      return { status: 200, body: { items: rows.map((r) => ({ country: r.country, total: r.total, approved: r.approved, approval_rate: r.approvalRate })) } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/duplicate-documents/',
      operationId: 'duplicateDocuments',
      summary: 'Document numbers used by several customers (potential fraud), found through their keyed hash',
      tags: TAGS,
      access: READERS,
      query: duplicateDocumentsQuerySchema,
      responses: { 200: { description: 'Most used first', schema: duplicateDocumentsResponseSchema } },
    },
    async (req) => {
      const rows = await duplicateDocuments(db, { limit: req.query.limit });
      return {
        status: 200,
        body: {
          items: rows.map((r) => ({
            fingerprint: r.fingerprint,
            usage_count: r.usageCount,
            user_count: r.userCount,
            user_ids: r.userIds,
            record_ids: r.recordIds,
            first_seen: r.firstSeen.toISOString(),
            last_seen: r.lastSeen.toISOString(),
          })),
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/stuck/',
      operationId: 'stuckRecords',
      summary: 'Verifications pending or in_progress for longer than the threshold (slow KYC processes)',
      tags: TAGS,
      access: READERS,
      query: stuckRecordsQuerySchema,
      responses: { 200: { description: 'Oldest first', schema: stuckRecordsResponseSchema } },
    },
    async (req) => {
      const olderThanMinutes = req.query.older_than_minutes ?? config.KYC_ALERT_STUCK_RECORDS_THRESHOLD * 60;
      const { count, records } = await stuckRecords(db, { olderThanMinutes, limit: req.query.limit });
      return {
        status: 200,
        body: {
          older_than_minutes: olderThanMinutes,
          count,
          items: records.map((r) => ({
            id: r.id,
            user_id: r.userId,
            status: r.status,
            country: r.country,
            created_at: r.createdAt.toISOString(),
            updated_at: r.updatedAt.toISOString(),
            minutes_since_created: r.minutesSinceCreated,
          })),
        },
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/reports/',
      operationId: 'dailyReports',
      summary: 'The stored daily KYC reports (the 08:00 schedule), newest first',
      tags: TAGS,
      access: READERS,
      query: dailyReportsQuerySchema,
      responses: { 200: { description: 'Newest first', schema: dailyReportsResponseSchema } },
    },
    async (req) => {
      const reports = await dailyReports(db, { limit: req.query.limit });
      return {
        status: 200,
        body: {
          items: reports.map((r) => ({
            date: r.reportDate.toISOString().slice(0, 10),
            generated_at: r.generatedAt.toISOString(),
            figures: r.figures as z.input<typeof dailyReportsResponseSchema>['items'][number]['figures'],
          })),
        },
      };
    },
  );
}
