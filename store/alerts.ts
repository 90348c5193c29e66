import { type Prisma, type OpsAlert } from '../generated/prisma/client';

export { type OpsAlert };
import { type AlertDraft, type AlertKind } from '../domain/alerts';
import { type Db } from '../infra/db';
import { type Tx } from './audit';

// The ops_alerts table: raising is an upsert on the condition key, so a check that sees the same
// condition every five minutes keeps one alert up to date instead of adding one per run.

export interface RaisedAlert {
  id: string;
  kind: AlertKind;
  severity: AlertDraft['severity'];
  conditionKey: string;
  /** false when an open alert for the same condition was updated. */
  isNew: boolean;
}

// Inside a caller's transaction too: an alert that reports a change commits with it.
export async function raiseAlerts(db: Db | Tx, drafts: readonly AlertDraft[]): Promise<RaisedAlert[]> {
  const raised: RaisedAlert[] = [];
  for (const draft of drafts) {
    const [row] = await db.$queryRaw<{ id: string; inserted: boolean }[]>`
      INSERT INTO ops_alerts (id, kind, severity, condition_key, details)
      VALUES (gen_random_uuid(), ${draft.kind}, ${draft.severity}, ${draft.conditionKey}, ${JSON.stringify(draft.details)}::jsonb)
      ON CONFLICT (condition_key) DO UPDATE
        SET details = EXCLUDED.details, severity = EXCLUDED.severity, last_seen_at = now(), occurrences = ops_alerts.occurrences + 1
      RETURNING id::text AS "id", (xmax = 0) AS "inserted"`;
    if (row) raised.push({ id: row.id, kind: draft.kind, severity: draft.severity, conditionKey: draft.conditionKey, isNew: row.inserted });
  }
  return raised;
}

/**
 * Makes the open alerts of `kinds` match what a check found: `current` is raised (or updated),
 * every other open alert of those kinds is resolved, its condition having ended.
 */
export async function syncConditionAlerts(db: Db, kinds: readonly AlertKind[], current: readonly AlertDraft[]): Promise<{ raised: RaisedAlert[]; resolved: { id: string; kind: string }[] }> {
  const raised = await raiseAlerts(db, current);
  const keep = current.map((draft) => draft.conditionKey);
  const resolved = await db.$queryRaw<{ id: string; kind: string }[]>`
    UPDATE ops_alerts SET resolved_at = now(), condition_key = NULL
     WHERE condition_key IS NOT NULL AND kind = ANY(${[...kinds]}::text[]) AND NOT (condition_key = ANY(${keep}::text[]))
    RETURNING id::text AS "id", kind`;
  return { raised, resolved };
}

export type AlertState = 'open' | 'unacknowledged' | 'acknowledged' | 'resolved' | 'all';

const STATE_FILTER: Record<AlertState, Prisma.OpsAlertWhereInput> = {
  open: { resolvedAt: null },
  unacknowledged: { acknowledgedAt: null },
  acknowledged: { acknowledgedAt: { not: null } },
  resolved: { resolvedAt: { not: null } },
  all: {},
};

export function alertStateFilter(state: AlertState): Prisma.OpsAlertWhereInput {
  return STATE_FILTER[state];
}

/** A page of alerts, newest first, after a (createdAt, id) cursor: limit + 1 rows tell whether there is a next page. */
export async function listAlerts(db: Db, filter: { state: AlertState; kind?: string; since?: Date; after?: { createdAt: Date; id: string }; limit: number }): Promise<OpsAlert[]> {
  const where: Prisma.OpsAlertWhereInput = {
    AND: [
      alertStateFilter(filter.state),
      filter.kind ? { kind: filter.kind } : {},
      filter.since ? { createdAt: { gte: filter.since } } : {},
      filter.after ? { OR: [{ createdAt: { lt: filter.after.createdAt } }, { createdAt: filter.after.createdAt, id: { lt: filter.after.id } }] } : {},
    ],
  };
  return db.opsAlert.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
}

/** Idempotent: acknowledging twice keeps the first acknowledgement. */
export async function acknowledgeAlert(db: Db, id: string, userId: string, at: Date): Promise<OpsAlert | null> {
  await db.opsAlert.updateMany({ where: { id, acknowledgedAt: null }, data: { acknowledgedAt: at, acknowledgedBy: userId } });
  return db.opsAlert.findUnique({ where: { id } });
}
