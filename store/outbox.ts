import { randomUUID } from 'node:crypto';
import { EVENT_SOURCES, parseEventData, type EventData, type EventType } from '../domain/events';
import { Prisma } from '../generated/prisma/client';
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
