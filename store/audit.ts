import { type Prisma } from '../generated/prisma/client';
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
