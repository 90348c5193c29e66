import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import { type KycStatus } from '../domain/status';

// The append-only audit trail of a record (kyc_events; the table refuses UPDATE and DELETE). Every
// writer goes through appendEvent, inside the transaction of the change it records.

export type Tx = Prisma.TransactionClient;

// staff: a reviewer, admin or auditor reading (a document view); reviewer: a reviewer acting on a case.
export type ActorType = 'system' | 'customer' | 'reviewer' | 'staff' | 'vendor';

export interface AuditEvent {
  recordId: string;
  type: string;
  from?: KycStatus | null;
  to?: KycStatus | null;
  actor: { type: ActorType; id?: string | null };
  /** Words a person reads on the timeline; never personal data. */
  reason: string;
  /** Ids, statuses, codes and counts; never personal data. */
  data?: Prisma.InputJsonObject;
  /** Makes a write repeated by a retried activity land once. */
  dedupeKey?: string;
}

/** Appends the event; false when an event with the same dedupe key is already there. */
export async function appendEvent(tx: Tx, event: AuditEvent): Promise<boolean> {
  const { count } = await tx.kycEvent.createMany({
    data: [
      {
        kycRecordId: event.recordId,
        eventType: event.type,
        fromStatus: event.from ?? null,
        toStatus: event.to ?? null,
        actorType: event.actor.type,
        actorId: event.actor.id ?? null,
        reason: event.reason,
        data: event.data ?? {},
        dedupeKey: event.dedupeKey ?? null,
      },
    ],
    skipDuplicates: true,
  });
  return count > 0;
}

/** Whether the change a dedupe key names was already recorded (a retried activity finds its own work). */
export async function alreadyRecorded(tx: Tx, dedupeKey: string): Promise<boolean> {
  return (await tx.kycEvent.findUnique({ where: { dedupeKey }, select: { id: true } })) !== null;
}

/**
 * appendEvent's row as the INSERT of a statement written out (the hot paths' one-statement
 * changes): inserted once per dedupe key, for each row of `rows` (a FROM clause naming the
 * statement's change, so nothing is recorded when nothing changed). `from` may be a SQL expression
 * (the status the same statement read before changing it).
 */
export function insertEventSql(
  // `from`, `reason` and `data` may be SQL expressions over `rows` (what the statement read or changed).
  event: Omit<AuditEvent, 'from' | 'reason' | 'data'> & { from?: KycStatus | Prisma.Sql | null; reason: string | Prisma.Sql; data?: AuditEvent['data'] | Prisma.Sql },
  at: Date,
  rows: Prisma.Sql,
  // 'fail': a second row for the dedupe key fails the whole statement (and so undoes its other
  // changes) instead of being left out, for a statement whose changes must not happen twice.
  duplicate: 'skip' | 'fail' = 'skip',
): Prisma.Sql {
  const from = event.from instanceof Prisma.Sql ? event.from : Prisma.sql`${event.from ?? null}`;
  return Prisma.sql`
    INSERT INTO kyc_events (id, kyc_record_id, event_type, from_status, to_status, actor_type, actor_id, reason, data, dedupe_key, created_at)
    SELECT ${randomUUID()}::uuid, ${event.recordId}::uuid, ${event.type}, (${from})::text::"KycStatus", ${event.to ?? null}::text::"KycStatus", ${event.actor.type}, ${event.actor.id ?? null},
           ${event.reason}, ${event.data instanceof Prisma.Sql ? event.data : Prisma.sql`${JSON.stringify(event.data ?? {})}::jsonb`}, ${event.dedupeKey ?? null}, ${at}::timestamptz
    ${rows}
    ${duplicate === 'skip' ? Prisma.sql`ON CONFLICT DO NOTHING` : Prisma.empty}`;
}
