import { z } from 'zod';
import { alertKindSchema, alertSeveritySchema } from '../../domain/alerts';
import { type Db } from '../../infra/db';
import { acknowledgeAlert, listAlerts, type OpsAlert } from '../../store/alerts';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { decodeCursor, page, pageQueryShape } from '../pagination';
import { Problem } from '../problem';

// The ops alerts the scheduled checks raise (workflows/ops-checks.ts). Admins and auditors read
// them; acknowledging ("someone is on it") is an admin's.

export interface OpsAlertDeps {
  db: Db;
  now: () => Date;
}

const isoDateTime = z.iso.datetime();

export const opsAlertSchema = z.object({
  id: z.uuid(),
  kind: alertKindSchema,
  severity: alertSeveritySchema,
  details: z.record(z.string(), z.unknown()).describe('Ids, counts and thresholds; never PII'),
  occurrences: z.number().int().describe('Checks that found this condition'),
  created_at: isoDateTime,
  last_seen_at: isoDateTime,
  resolved_at: isoDateTime.nullable().describe('When a check found the condition ended'),
  acknowledged_at: isoDateTime.nullable(),
  acknowledged_by: z.uuid().nullable(),
});

export const opsAlertListSchema = z.object({ items: z.array(opsAlertSchema), next_cursor: z.string().nullable() });

export const opsAlertQuerySchema = z.object({
  state: z.enum(['open', 'unacknowledged', 'acknowledged', 'resolved', 'all']).default('all').describe('open: not resolved; unacknowledged: nobody acknowledged it yet'),
  kind: alertKindSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Raised at or after this instant'),
  ...pageQueryShape,
});

const alertParamsSchema = z.object({ id: z.uuid().describe('Alert id') });

function view(alert: OpsAlert): z.input<typeof opsAlertSchema> {
  return {
    id: alert.id,
    kind: alertKindSchema.parse(alert.kind),
    severity: alertSeveritySchema.parse(alert.severity),
    details: alert.details as Record<string, unknown>,
    occurrences: alert.occurrences,
    created_at: alert.createdAt.toISOString(),
    last_seen_at: alert.lastSeenAt.toISOString(),
    resolved_at: alert.resolvedAt?.toISOString() ?? null,
    acknowledged_at: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledged_by: alert.acknowledgedBy,
  };
}

export function opsAlertRoutes(api: ApiRouter, deps: OpsAlertDeps): void {
  const { db, now } = deps;

  api.route(
    {
      method: 'get',
      path: '/',
      operationId: 'listOpsAlerts',
      summary: 'Ops alerts: stuck verifications, pending backlog, overdue escalated reviews, stuck webhooks, daily-report thresholds',
      tags: ['Operations'],
      access: ['admin', 'auditor'],
      query: opsAlertQuerySchema,
      responses: { 200: { description: 'Newest first', schema: opsAlertListSchema } },
    },
    async (req) => {
      const query = req.query;
      const rows = await listAlerts(db, { state: query.state, ...(query.kind ? { kind: query.kind } : {}), ...(query.since ? { since: new Date(query.since) } : {}), after: decodeCursor(query.cursor), limit: query.limit });
      const { items, nextCursor } = page(rows, query.limit);
      return { status: 200, body: { items: items.map(view), next_cursor: nextCursor } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/acknowledge/',
      operationId: 'acknowledgeOpsAlert',
      summary: 'Acknowledge an alert (idempotent: the first acknowledgement is kept)',
      tags: ['Operations'],
      access: ['admin'],
      params: alertParamsSchema,
      responses: { 200: { description: 'The acknowledged alert', schema: opsAlertSchema } },
    },
    async (req) => {
      const alert = await acknowledgeAlert(db, req.params.id, principalOf(req).userId, now());
      if (!alert) throw new Problem('not_found', 'No such alert');
      return { status: 200, body: view(alert) };
    },
  );
}
