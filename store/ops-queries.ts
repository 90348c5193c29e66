import { Prisma } from '../generated/prisma/client';
import { type DailyReportFigures } from '../domain/alerts';
import { REVIEW_LEVELS } from '../domain/review';
import { TERMINAL_STATUSES } from '../domain/status';
import { type Db } from '../infra/db';
import { type GaugeSnapshot } from '../infra/metrics';

// The monitoring queries against our schema, shared by the admin statistics endpoints,
// the scheduled ops workflows, the ops CLI and the metrics. Days are calendar days in the ops
// time zone (KYC_OPS_TIMEZONE). Nothing here reads a PII column: duplicate documents are found
// through the keyed hash document_number_hash, never the (encrypted) number.

// Waiting for the customer: the "slow KYC processes" set, served by idx_kyc_active_records.
const AWAITING_CUSTOMER = Prisma.sql`status IN ('pending', 'in_progress')`;

export interface DailyStatistics {
  date: string;
  total: number;
  approved: number;
  rejected: number;
  pending: number;
  avgProcessingMinutes: number | null;
}

/** Daily KYC statistics: the last `days` days (today included), newest first, empty days as zeros. */
export async function dailyStatistics(db: Db, options: { days: number; timeZone: string }): Promise<DailyStatistics[]> {
  const { days, timeZone } = options;
  return db.$queryRaw<DailyStatistics[]>`
    WITH bounds AS (
      SELECT (now() AT TIME ZONE ${timeZone})::date AS today
    ), days AS (
      SELECT generate_series(today - (${days}::int - 1), today, interval '1 day')::date AS day FROM bounds
    ), stats AS (
      SELECT (created_at AT TIME ZONE ${timeZone})::date AS day,
             count(*)::int AS total,
             (count(*) FILTER (WHERE status = 'approved'))::int AS approved,
             (count(*) FILTER (WHERE status = 'rejected'))::int AS rejected,
             (count(*) FILTER (WHERE status = 'pending'))::int AS pending,
             round((avg(extract(epoch FROM (verified_at - created_at)) / 60) FILTER (WHERE verified_at IS NOT NULL))::numeric, 2)::float8 AS avg_minutes
        FROM kyc_records, bounds
       WHERE created_at >= ((today - (${days}::int - 1))::timestamp AT TIME ZONE ${timeZone})
       GROUP BY 1
    )
    SELECT to_char(days.day, 'YYYY-MM-DD') AS "date",
           coalesce(stats.total, 0)::int AS "total",
           coalesce(stats.approved, 0)::int AS "approved",
           coalesce(stats.rejected, 0)::int AS "rejected",
           coalesce(stats.pending, 0)::int AS "pending",
           stats.avg_minutes AS "avgProcessingMinutes"
      FROM days LEFT JOIN stats USING (day)
     ORDER BY days.day DESC`;
}

export interface CountryStatistics {
  country: string;
  total: number;
  approved: number;
  approvalRate: number;
}

/** Country-wise KYC distribution (approval rate over all of the country's verifications). */
export async function countryDistribution(db: Db, options: { since?: Date } = {}): Promise<CountryStatistics[]> {
  const since = options.since ? Prisma.sql`WHERE created_at >= ${options.since}` : Prisma.empty;
  return db.$queryRaw<CountryStatistics[]>`
    SELECT country::text AS "country",
           count(*)::int AS "total",
           (count(*) FILTER (WHERE status = 'approved'))::int AS "approved",
           round((count(*) FILTER (WHERE status = 'approved')) * 100.0 / count(*), 2)::float8 AS "approvalRate"
      FROM kyc_records ${since}
     GROUP BY country
     ORDER BY count(*) DESC, country`;
}

export interface DuplicateDocument {
  /** The first 16 hex digits of the keyed hash: names the group without revealing anything. */
  fingerprint: string;
  usageCount: number;
  userCount: number;
  userIds: string[];
  recordIds: string[];
  firstSeen: Date;
  lastSeen: Date;
}

/**
 * Potential fraud patterns: one document number on several customers' verifications.
 * A plaintext grouping that counts records would need the number in clear; we group by the keyed hash and
 * require two customers, since one customer verifying again with their own passport is no signal.
 */
export async function duplicateDocuments(db: Db, options: { limit: number }): Promise<DuplicateDocument[]> {
  return db.$queryRaw<DuplicateDocument[]>`
    SELECT left(document_number_hash, 16) AS "fingerprint",
           count(*)::int AS "usageCount",
           count(DISTINCT user_id)::int AS "userCount",
           array_agg(DISTINCT user_id::text) AS "userIds",
           array_agg(id::text ORDER BY created_at) AS "recordIds",
           min(created_at) AS "firstSeen",
           max(created_at) AS "lastSeen"
      FROM kyc_records
     GROUP BY document_number_hash
    HAVING count(DISTINCT user_id) > 1
     ORDER BY count(*) DESC, max(created_at) DESC
     LIMIT ${options.limit}::int`;
}

export interface StuckRecord {
  id: string;
  userId: string;
  status: string;
  country: string;
  createdAt: Date;
  updatedAt: Date;
  minutesSinceCreated: number;
}

/** Slow KYC processes: waiting for the customer for longer than the threshold, oldest first. */
export async function stuckRecords(db: Db, options: { olderThanMinutes: number; limit: number }): Promise<{ count: number; records: StuckRecord[] }> {
  const older = Prisma.sql`created_at < now() - ${options.olderThanMinutes}::float8 * interval '1 minute'`;
  const [records, [total]] = await Promise.all([
    db.$queryRaw<StuckRecord[]>`
      SELECT id::text AS "id", user_id::text AS "userId", status::text AS "status", country::text AS "country",
             created_at AS "createdAt", updated_at AS "updatedAt",
             floor(extract(epoch FROM (now() - created_at)) / 60)::int AS "minutesSinceCreated"
        FROM kyc_records
       WHERE ${AWAITING_CUSTOMER} AND ${older}
       ORDER BY created_at
       LIMIT ${options.limit}::int`,
    db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS "count" FROM kyc_records WHERE ${AWAITING_CUSTOMER} AND ${older}`,
  ]);
  return { count: total?.count ?? 0, records };
}

/** Verifications waiting for the customer (pending_records_limit counts these). */
export async function awaitingCustomerCount(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS "count" FROM kyc_records WHERE ${AWAITING_CUSTOMER}`;
  return row?.count ?? 0;
}

/** Open review tasks (escalated, so with a senior reviewer) past their due time: the review SLA's ops alert. */
export async function breachedReviews(db: Db, options: { limit: number }): Promise<{ taskId: string; recordId: string; dueAt: Date; overdueMinutes: number }[]> {
  return db.$queryRaw`
    SELECT id::text AS "taskId", kyc_record_id::text AS "recordId", due_at AS "dueAt",
           floor(extract(epoch FROM (now() - due_at)) / 60)::int AS "overdueMinutes"
      FROM review_tasks
     WHERE status = 'open' AND level = 'senior' AND due_at < now()
     ORDER BY due_at
     LIMIT ${options.limit}::int`;
}

/** Webhook receipts stored but never handed to their verification (Temporal was unreachable on every delivery). */
export async function stuckWebhookReceipts(db: Db, options: { olderThanMinutes: number; limit: number }): Promise<{ count: number; receiptIds: string[]; oldestReceivedAt: Date | null }> {
  const where = Prisma.sql`outcome = 'received' AND processed_at IS NULL AND received_at < now() - ${options.olderThanMinutes}::float8 * interval '1 minute'`;
  const [rows, [summary]] = await Promise.all([
    db.$queryRaw<{ id: string }[]>`SELECT id::text AS "id" FROM webhook_receipts WHERE ${where} ORDER BY received_at LIMIT ${options.limit}::int`,
    db.$queryRaw<{ count: number; oldest: Date | null }[]>`SELECT count(*)::int AS "count", min(received_at) AS "oldest" FROM webhook_receipts WHERE ${where}`,
  ]);
  return { count: summary?.count ?? 0, receiptIds: rows.map((r) => r.id), oldestReceivedAt: summary?.oldest ?? null };
}

export interface SessionCandidate {
  recordId: string;
  workflowId: string;
  workflowRunId: string;
  status: string;
  sessionStartedAt: Date;
}

/**
 * Verifications still waiting for the customer whose Veriff session (the latest SESSION_CREATED
 * event; the record's creation when none was opened) is older than the session timeout.
 */
export async function sessionsOlderThan(db: Db, options: { seconds: number; limit: number }): Promise<SessionCandidate[]> {
  const cutoff = Prisma.sql`now() - ${options.seconds}::float8 * interval '1 second'`;
  return db.$queryRaw<SessionCandidate[]>`
    SELECT r.id::text AS "recordId", r.workflow_id AS "workflowId", r.workflow_run_id AS "workflowRunId", r.status::text AS "status",
           coalesce(s.opened, r.created_at) AS "sessionStartedAt"
      FROM kyc_records r
      LEFT JOIN LATERAL (
        SELECT max(e.created_at) AS opened FROM kyc_events e WHERE e.kyc_record_id = r.id AND e.event_type = 'SESSION_CREATED'
      ) s ON true
     WHERE r.status IN ('pending', 'in_progress') AND r.created_at < ${cutoff} AND coalesce(s.opened, r.created_at) < ${cutoff}
     ORDER BY r.created_at
     LIMIT ${options.limit}::int`;
}

/** The day before `asOf`, as a calendar day in the time zone. */
/** The stored daily reports (the 08:00 schedule), newest first. */
export async function dailyReports(db: Db, options: { limit: number }) {
  return db.opsDailyReport.findMany({ orderBy: { reportDate: 'desc' }, take: options.limit });
}

export async function dayBefore(db: Db, asOf: Date, timeZone: string): Promise<string> {
  const [row] = await db.$queryRaw<{ day: string }[]>`SELECT to_char((${asOf}::timestamptz AT TIME ZONE ${timeZone})::date - 1, 'YYYY-MM-DD') AS "day"`;
  if (!row) throw new Error('no day computed');
  return row.day;
}

/** The daily report's figures for the verifications started on `date` (a day in the time zone). */
export async function dailyReportFigures(db: Db, date: string, timeZone: string): Promise<DailyReportFigures> {
  const day = Prisma.sql`created_at >= (${date}::date::timestamp AT TIME ZONE ${timeZone}) AND created_at < ((${date}::date + 1)::timestamp AT TIME ZONE ${timeZone})`;
  const [[counts], [duplicates], retention] = await Promise.all([
    db.$queryRaw<Omit<DailyReportFigures, 'date' | 'timeZone' | 'approvalRate' | 'duplicateDocumentGroups' | 'retentionRemoved'>[]>`
      SELECT count(*)::int AS "total",
             (count(*) FILTER (WHERE status = 'approved'))::int AS "approved",
             (count(*) FILTER (WHERE status = 'rejected'))::int AS "rejected",
             (count(*) FILTER (WHERE status = 'pending'))::int AS "pending",
             (count(*) FILTER (WHERE status = 'in_progress'))::int AS "inProgress",
             (count(*) FILTER (WHERE status = 'under_review'))::int AS "underReview",
             (count(*) FILTER (WHERE status = 'expired'))::int AS "expired",
             (count(*) FILTER (WHERE status NOT IN ('approved', 'rejected', 'pending', 'in_progress', 'under_review', 'expired')))::int AS "other",
             round((avg(extract(epoch FROM (verified_at - created_at)) / 60) FILTER (WHERE verified_at IS NOT NULL))::numeric, 2)::float8 AS "avgProcessingMinutes"
        FROM kyc_records WHERE ${day}`,
    db.$queryRaw<{ groups: number }[]>`
      SELECT count(*)::int AS "groups" FROM (
        SELECT document_number_hash FROM kyc_records
         WHERE document_number_hash IN (SELECT document_number_hash FROM kyc_records WHERE ${day})
         GROUP BY document_number_hash HAVING count(DISTINCT user_id) > 1
      ) shared`,
    // Each retention run's counts are on the privacy audit trail (store/retention.ts).
    db.$queryRaw<{ kind: string; removed: number }[]>`
      SELECT counts.key AS "kind", sum(counts.value::int)::int AS "removed"
        FROM privacy_audit_events, jsonb_each_text(details) AS counts
       WHERE action = 'retention_run' AND counts.key <> 'day' AND ${day}
       GROUP BY counts.key`,
  ]);
  if (!counts) throw new Error('no figures computed');
  const decided = counts.approved + counts.rejected;
  return {
    date,
    timeZone,
    ...counts,
    approvalRate: decided === 0 ? null : Math.round((counts.approved * 10_000) / decided) / 100,
    duplicateDocumentGroups: duplicates?.groups ?? 0,
    retentionRemoved: Object.fromEntries(retention.filter((r) => r.removed > 0).map((r) => [r.kind, r.removed])),
  };
}

/**
 * The figures of the API's database gauges (infra/metrics.ts), counted on each scrape. Every query
 * is served by an index: status / (status, updated_at) on kyc_records, the partial index on active
 * records, (status, due_at) on review_tasks. Outbox events count as unpublished until they are
 * dispatched to webhook subscribers and, when a broker is configured, confirmed by it.
 */
export async function gaugeSnapshot(db: Db, options: { stuckAfterHours: number; brokerConfigured: boolean }): Promise<GaugeSnapshot> {
  const terminal = [...TERMINAL_STATUSES];
  // The closed set of status names, as literals: compared with the column itself, so the indexes apply.
  const terminalList = Prisma.raw(terminal.map((s) => `'${s}'`).join(', '));
  const [tasks, [outbox], active, [stuck], finished, decided, alerts] = await Promise.all([
    db.$queryRaw<{ level: string; count: number }[]>`SELECT level::text AS "level", count(*)::int AS "count" FROM review_tasks WHERE status = 'open' GROUP BY level`,
    options.brokerConfigured
      ? db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS "count" FROM outbox_events WHERE (published_at IS NULL OR dispatched_at IS NULL) AND quarantined_at IS NULL`
      : db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS "count" FROM outbox_events WHERE dispatched_at IS NULL AND quarantined_at IS NULL`,
    db.$queryRaw<{ status: string; count: number }[]>`SELECT status::text AS "status", count(*)::int AS "count" FROM kyc_records WHERE status NOT IN (${terminalList}) GROUP BY status`,
    db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS "count" FROM kyc_records WHERE status IN ('pending', 'in_progress') AND created_at < now() - ${options.stuckAfterHours}::float8 * interval '1 hour'`,
    db.$queryRaw<{ status: string; count: number }[]>`SELECT status::text AS "status", count(*)::int AS "count" FROM kyc_records WHERE status IN (${terminalList}) AND updated_at >= now() - interval '24 hours' GROUP BY status`,
    db.$queryRaw<{ decision: string; count: number }[]>`SELECT decision::text AS "decision", count(*)::int AS "count" FROM review_tasks WHERE decided_at >= now() - interval '24 hours' AND decision IS NOT NULL GROUP BY decision`,
    db.$queryRaw<{ kind: string; severity: string; count: number }[]>`SELECT kind, severity, count(*)::int AS "count" FROM ops_alerts WHERE resolved_at IS NULL AND acknowledged_at IS NULL GROUP BY kind, severity`,
  ]);
  return {
    reviewTasksOpen: Object.fromEntries(REVIEW_LEVELS.map((level) => [level, tasks.find((t) => t.level === level)?.count ?? 0])),
    outboxUnpublished: outbox?.count ?? 0,
    verificationsActive: Object.fromEntries(active.map((row) => [row.status, row.count])),
    verificationsStuck: stuck?.count ?? 0,
    outcomes24h: Object.fromEntries(terminal.map((result) => [result, finished.find((f) => f.status === result)?.count ?? 0])),
    reviewDecisions24h: Object.fromEntries(decided.map((row) => [row.decision, row.count])),
    alertsOpen: alerts,
  };
}
