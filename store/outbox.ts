import { randomUUID } from 'node:crypto';
import { EVENT_SOURCES, parseEventData, type EventData, type EventType } from '../domain/events';
import { Prisma } from '../generated/prisma/client';
import { type Db, runStatement } from '../infra/db';
import { type Tx } from './audit';

// The transactional outbox: domain events (the closed catalogue of domain/events.ts) written in the
// same transaction as the change they report, published afterwards by the relay (events/relay.ts)
// to RabbitMQ and webhook subscribers, at least once; consumers deduplicate on the row id (the
// CloudEvent id). Events of one record keep their order: the record is the CloudEvent subject.

export interface OutboxEventDraft<T extends EventType> {
  type: T;
  /** The verification the event is about: the subject, and the key of its order. */
  recordId: string;
  /** Ids, statuses, codes and times, never personal data (the catalogue's schema refuses any other field). */
  data: EventData<T>;
  /** One event per fact, however often the writer is retried. */
  dedupeKey: string;
}

export async function enqueueEvent<T extends EventType>(tx: Tx, event: OutboxEventDraft<T>): Promise<void> {
  const data = parseEventData(event.type, event.data);
  await tx.outboxEvent.createMany({
    data: [{ kycRecordId: event.recordId, type: event.type, source: EVENT_SOURCES[event.type], subject: event.recordId, data, dedupeKey: event.dedupeKey }],
    skipDuplicates: true,
  });
}

/** enqueueEvent's row as the INSERT of a statement written out, once per dedupe key, for each row of `rows` (see insertEventSql). */
export function insertOutboxEventSql<T extends EventType>(event: OutboxEventDraft<T>, at: Date, rows: Prisma.Sql): Prisma.Sql {
  const data = parseEventData(event.type, event.data);
  return Prisma.sql`
    INSERT INTO outbox_events (id, kyc_record_id, type, source, subject, data, dedupe_key, attempts, created_at)
    SELECT ${randomUUID()}::uuid, ${event.recordId}::uuid, ${event.type}, ${EVENT_SOURCES[event.type]}, ${event.recordId}, ${JSON.stringify(data)}::jsonb, ${event.dedupeKey}, 0, ${at}::timestamptz
    ${rows}
    ON CONFLICT DO NOTHING`;
}

// ---------------------------------------------------------------------------------------------
// The event side's reads and marks (events/relay.ts publishes to RabbitMQ, events/dispatch.ts fans
// out to webhook subscriptions): the outbox's rows as the envelope reads them.

/** An outbox row as the CloudEvent envelope reads it (events/envelope.ts toCloudEvent). */
export interface OutboxRow {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  subjectSeq: number | null;
  data: unknown;
  createdAt: Date;
}

/** Columns of an OutboxRow, for Prisma selects. */
export const OUTBOX_ROW_SELECT = { id: true, type: true, source: true, subject: true, subjectSeq: true, data: true, createdAt: true } as const;

/**
 * Sets aside a row the catalogue refuses: it would otherwise block or break every consumer. It
 * stays in the table (counted as unpublished) with the reason, which names fields, never values.
 */
export async function quarantineOutboxEvent(db: Db, id: string, reason: string): Promise<void> {
  await db.outboxEvent.updateMany({ where: { id, quarantinedAt: null }, data: { quarantinedAt: new Date(), lastError: reason.slice(0, 500) } });
}

/** The next rows to publish to the broker, in outbox order. */
export async function unpublishedEvents(db: Db, limit: number): Promise<OutboxRow[]> {
  return db.outboxEvent.findMany({ where: { publishedAt: null, quarantinedAt: null }, orderBy: { position: 'asc' }, take: limit, select: OUTBOX_ROW_SELECT });
}

/** The rows the broker confirmed, marked published (once: a row marked before keeps its time). */
export async function markPublished(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length) await db.outboxEvent.updateMany({ where: { id: { in: [...ids] }, publishedAt: null }, data: { publishedAt: new Date(), attempts: { increment: 1 } } });
}

/**
 * The next rows to fan out to webhook subscriptions (of one record, when given), each with the
 * subscriptions that want its type, in one statement on the driver: the verification workflow
 * asks it after every change its customer sees.
 */
export async function undispatchedEvents(db: Db, filter: { recordId?: string; limit: number }): Promise<(OutboxRow & { subscriptionIds: string[] })[]> {
  return runStatement<OutboxRow & { subscriptionIds: string[] }>(
    db,
    Prisma.sql`
      SELECT o.id::text AS id, o.type, o.source, o.subject, o.subject_seq AS "subjectSeq", o.data, o.created_at AS "createdAt",
             ARRAY(SELECT s.id::text FROM webhook_subscriptions s WHERE o.type = ANY(s.event_types) ORDER BY s.id) AS "subscriptionIds"
      FROM outbox_events o
      WHERE o.dispatched_at IS NULL AND o.quarantined_at IS NULL ${filter.recordId ? Prisma.sql`AND o.kyc_record_id = ${filter.recordId}::uuid` : Prisma.empty}
      ORDER BY o.position
      LIMIT ${filter.limit}::int`,
  );
}

/** The fan-out of these events: their deliveries (once per subscription and event) and the events marked dispatched, together. */
export async function recordDispatch(db: Db, input: { eventIds: readonly string[]; deliveries: readonly { subscriptionId: string; outboxEventId: string; eventType: string }[]; at: Date }): Promise<void> {
  const ids = [...input.eventIds];
  if (input.deliveries.length) {
    await db.$transaction([db.webhookDelivery.createMany({ data: [...input.deliveries], skipDuplicates: true }), db.outboxEvent.updateMany({ where: { id: { in: ids }, dispatchedAt: null }, data: { dispatchedAt: input.at } })]);
  } else {
    // Without a subscriber that wants them, marking the events is the whole change: no transaction around one statement.
    await runStatement(db, Prisma.sql`UPDATE outbox_events SET dispatched_at = ${input.at}::timestamptz WHERE id = ANY(${ids}::uuid[]) AND dispatched_at IS NULL`);
  }
}

/** Pending deliveries whose workflow has not been started (all, or those of some events), oldest first. */
export async function deliveriesToStart(db: Db, filter: { outboxEventIds?: string[]; limit: number }): Promise<{ id: string; generation: number }[]> {
  return db.webhookDelivery.findMany({
    where: { status: 'pending', workflowStartedAt: null, ...(filter.outboxEventIds ? { outboxEventId: { in: filter.outboxEventIds } } : {}) },
    orderBy: { createdAt: 'asc' },
    take: filter.limit,
    select: { id: true, generation: true },
  });
}

/** A delivery's workflow was started for this generation (a later generation keeps its own mark). */
export async function markDeliveryStarted(db: Db, delivery: { id: string; generation: number }): Promise<void> {
  await db.webhookDelivery.updateMany({ where: { id: delivery.id, generation: delivery.generation, workflowStartedAt: null }, data: { workflowStartedAt: new Date() } });
}
