import { type Prisma } from '../generated/prisma/client';
import { type Tx } from './audit';

// The transactional outbox: domain events written in the same transaction as the change they
// report, published afterwards (at least once; consumers deduplicate on the row id, the event id).

/** Where events come from, as a CloudEvents `source`. */
export const EVENT_SOURCES = { records: '/kyc/records', reviews: '/kyc/reviews' } as const;

export interface OutboxEventDraft {
  type: string;
  source: (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES];
  /** The CloudEvents subject: the record (or task) the event is about. */
  subject: string;
  recordId: string | null;
  /** Ids, statuses, codes and times; never personal data. */
  data: Prisma.InputJsonObject;
  /** One event per fact, however often the writer is retried. */
  dedupeKey: string;
}

export async function enqueueEvent(tx: Tx, event: OutboxEventDraft): Promise<void> {
  await tx.outboxEvent.createMany({
    data: [{ kycRecordId: event.recordId, type: event.type, source: event.source, subject: event.subject, data: event.data, dedupeKey: event.dedupeKey }],
    skipDuplicates: true,
  });
}
