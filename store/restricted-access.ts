import { restrictedReadRefusal, type RestrictedDataKind } from '../domain/privacy';
import { type Prisma } from '../generated/prisma/client';
import { type Db } from '../infra/db';
import { type Tx } from './audit';

// The one gate to a restricted customer's data: what an erasure kept under anti-money-laundering
// rules (store/privacy.ts, `restrict`) is read by the auditor alone, with a reason, and each such
// read is on the privacy audit trail. Every store that opens data of a record (the record itself,
// its documents and checks, its screening results, review notes, webhook bodies, the export) asks
// admitRead first with the record's state; everyone else, the service's own steps included, gets
// PersonalDataUnavailable (answered 410). The privacy audit trail's writer lives here too.

/** Who reads: a person of a role, with the reason they gave (only restricted reads need one), or the service itself. */
export interface Reader {
  userId: string | null;
  role: string;
  reason?: string | undefined;
}

/** The service's own steps (workflow activities): they never read restricted data. */
export const SERVICE_READER: Reader = Object.freeze({ userId: null, role: 'system' });

/** The record's personal data is gone (erased) or kept for the auditor only (restricted): it is not processed any more. */
export class PersonalDataUnavailable extends Error {
  constructor(readonly state: 'erased' | 'restricted') {
    super(state === 'erased' ? "this verification's personal data was erased" : "this verification's personal data is restricted (kept under anti-money-laundering rules)");
    this.name = 'PersonalDataUnavailable';
  }
}

/** The auditor asked for restricted data without a reason (answered 400, naming the field). */
export class RestrictedReadReasonRequired extends Error {
  constructor(readonly kind: RestrictedDataKind) {
    super(`a reason is required to read restricted ${kind.replaceAll('_', ' ')}`);
    this.name = 'RestrictedReadReasonRequired';
  }
}

/** What the gate needs to know of each record a read touches. */
export interface RecordState {
  id: string;
  userId: string;
  restrictedAt: Date | null;
}

export type PrivacyAction =
  | 'erasure_requested'
  | 'erasure_carried_out'
  | 'erasure_completed'
  | 'subject_export'
  | 'restricted_read'
  | 'retention_run'
  | 'key_rotation'
  | 'erasure_reapplied';

/** Appends to the privacy audit trail (privacy_audit_events, append-only): never personal data in details. */
export async function recordPrivacyEvent(tx: Tx | Db, event: { action: PrivacyAction; subjectId?: string | null; actor: { id: string | null; role: string }; reason?: string | null; details?: Prisma.InputJsonObject }): Promise<void> {
  await tx.privacyAuditEvent.create({
    data: { action: event.action, subjectId: event.subjectId ?? null, actorId: event.actor.id, actorRole: event.actor.role, reason: event.reason ?? null, details: event.details ?? {} },
  });
}

// What each reader was admitted to already (the write of its row, by kind and record): a request
// that reads one record's data through several store calls, at once or in turn (the case view reads
// the record, then opens its fields), is one read on the trail, and no call reads before it is there.
const admitted = new WeakMap<Reader, Map<string, Promise<void>>>();

/**
 * Lets the read go on, or refuses it: nothing of a restricted record is read but by the auditor
 * with a reason, and that read is recorded (`restricted_read`, with the kind and the reason)
 * before anything is opened. Records that are not restricted pass without a write.
 */
export async function admitRead(db: Tx | Db, reader: Reader, kind: RestrictedDataKind, records: readonly RecordState[]): Promise<void> {
  const restricted = records.filter((record) => record.restrictedAt !== null);
  if (restricted.length === 0) return;
  const refusal = restrictedReadRefusal(reader);
  if (refusal === 'not_auditor') throw new PersonalDataUnavailable('restricted');
  if (refusal === 'reason_required') throw new RestrictedReadReasonRequired(kind);
  const writes = admitted.get(reader) ?? new Map<string, Promise<void>>();
  admitted.set(reader, writes);
  const bySubject = new Map<string, string[]>();
  for (const record of restricted) {
    if (writes.has(`${kind}|${record.id}`)) continue;
    bySubject.set(record.userId, [...new Set([...(bySubject.get(record.userId) ?? []), record.id])]);
  }
  for (const [subjectId, recordIds] of bySubject) {
    const written = recordPrivacyEvent(db, { action: 'restricted_read', subjectId, actor: { id: reader.userId, role: reader.role }, reason: reader.reason!.trim(), details: { kind, records: recordIds } });
    for (const id of recordIds) writes.set(`${kind}|${id}`, written);
  }
  await Promise.all(restricted.map((record) => writes.get(`${kind}|${record.id}`)));
}

/** The state the gate needs of these records (for a store whose own rows do not carry it). */
export async function recordStates(db: Tx | Db, recordIds: readonly string[]): Promise<RecordState[]> {
  return db.kycRecord.findMany({ where: { id: { in: [...recordIds] } }, select: { id: true, userId: true, restrictedAt: true } });
}
