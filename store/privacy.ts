import {
  amlRetentionEnd,
  ERASED_ACCOUNT_FIELDS,
  ERASED_VERIFICATION_FIELDS,
  LEGAL_BASES,
  RESTRICTED_ACCESS,
  RESTRICTED_DATA_READER_ROLE,
  restrictedReadRefusal,
  type PersonalDataKind,
  RETAINED_RECORD_FIELDS,
  type ErasureBasis,
  type ErasureOutcome,
  type ErasurePlan,
} from '../domain/privacy';
import { type ErasureRequest, type KycRecord, type Prisma } from '../generated/prisma/client';
import { type Db } from '../infra/db';
import { appendEvent, type Tx } from './audit';
import { customerExportView } from '../domain/customer-view';
import { type KeyPurpose, type PersonalData, SubjectErased } from './personal-data';
import { admitRead, recordPrivacyEvent, type Reader } from './restricted-access';
import { receiptSubject } from './webhook-receipts';

// Privacy of customers: erasure (what the law lets go at once, what anti-money-laundering rules
// keep, restricted, until their retention ends), subject access exports, the privacy audit trail,
// and the reconciliation of a restored database with the key store. Every change leaves an audit
// fact without personal data: kyc_events on each record, privacy_audit_events for the subject.

export type { ErasureRequest } from '../generated/prisma/client';

/**
 * Personal data another store holds about customers (screening results, stored documents): it is
 * erased, restricted, ended and exported with the rest when it is registered in store/index.ts
 * (PERSONAL_DATA_HOLDERS). Each method is idempotent: a retried activity calls it again.
 */
export interface PersonalDataHolder {
  /** The name of the data on tombstones and in exports (domain/privacy.ts; domain/customer-view.ts says what customers see of it). */
  readonly kind: PersonalDataKind;
  /**
   * Erasure of a customer, before their `personal` key is destroyed: erase what is not kept; what
   * anti-money-laundering rules keep (what belongs to `retainedRecordIds`) re-seal under the
   * `retained` key with `reseal` / `resealBytes` and stop showing to anyone but the auditor.
   */
  erase(subjectId: string, context: ErasureContext): Promise<{ erased: number; retained: number }>;
  /**
   * These records' personal data goes (their AML retention ended, their own retention period did, or
   * the customer's erasure reached them): erase what is held for them.
   */
  eraseRecords(subjectId: string, recordIds: readonly string[]): Promise<number>;
  /** Subject access: what is held about the subject, opened; restricted data only when `restricted` (the auditor, with a logged reason). */
  export(subjectId: string, access: { restricted: boolean }): Promise<unknown>;
}

export interface ErasureContext {
  retainedRecordIds: readonly string[];
  reseal(sealed: string): Promise<string>;
  resealBytes(sealed: Uint8Array): Promise<Buffer>;
}

const PII_COLUMNS = ['firstNameEnc', 'lastNameEnc', 'dateOfBirthEnc', 'documentNumberEnc', 'addressEnc', 'extractedDataEnc'] as const satisfies readonly (keyof KycRecord)[];
const ERASED_COLUMNS = { firstNameEnc: null, lastNameEnc: null, dateOfBirthEnc: null, documentNumberEnc: null, addressEnc: null, extractedDataEnc: null, documentNumberHash: null, veriffSessionUrl: null } as const;

/** The user name an erased account keeps: unique, and naming nobody. */
export const erasedUsername = (userId: string) => `erased-${userId}`;

const SYSTEM = { id: null, role: 'system' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Records kept under anti-money-laundering rules after an erasure: approved, or decided by a reviewer. */
const isDueDiligenceRecord = (record: { status: string; reviewTasks: { decidedAt: Date | null }[] }) => record.status === 'approved' || record.reviewTasks.some((t) => t.decidedAt !== null);

export class PrivacyStore {
  constructor(
    private readonly db: Db,
    private readonly personalData: PersonalData,
    private readonly settings: { amlRetentionYears: number },
    private readonly holders: readonly PersonalDataHolder[] = [],
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async recordsOf(userId: string) {
    return this.db.kycRecord.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      include: { reviewTasks: { select: { id: true, decidedAt: true, notesEnc: true } }, _count: { select: { receipts: { where: { rawBodyEnc: { not: null } } } } } },
    });
  }

  /** The account an erasure or an export names: whether it exists and is a customer's. */
  async subjectAccount(userId: string): Promise<{ role: string; erasedAt: Date | null } | null> {
    return this.db.user.findUnique({ where: { id: userId }, select: { role: true, erasedAt: true } });
  }

  /** What an erasure of this customer would do now: the answer to the request. */
  async plan(userId: string, at: Date = this.now()): Promise<ErasurePlan> {
    const records = await this.recordsOf(userId);
    const until = amlRetentionEnd(at, this.settings.amlRetentionYears).toISOString();
    const live = records.filter((r) => !r.piiErasedAt);
    const retained = live.filter(isDueDiligenceRecord);
    const erased = live.filter((r) => !isDueDiligenceRecord(r) && !r.restrictedAt);
    const bodies = records.reduce((sum, r) => sum + r._count.receipts, 0);
    const notes = erased.reduce((sum, r) => sum + r.reviewTasks.filter((t) => t.notesEnc).length, 0);
    const sessions = (await this.sessionIdsOf(erased.map((r) => r.id))).length;
    const erasure = LEGAL_BASES.erasure;
    return {
      erase_now: [
        { kind: 'account', what: `${ERASED_ACCOUNT_FIELDS}; the account is closed`, basis: erasure },
        ...erased.map((r) => ({ kind: 'verification' as const, record_id: r.id, what: ERASED_VERIFICATION_FIELDS, basis: erasure })),
        { kind: 'webhook_bodies', count: bodies, what: "the identity vendor's messages about the customer, as received", basis: erasure },
        ...(notes ? [{ kind: 'review_notes' as const, count: notes, what: 'reviewer notes on verifications that are not kept', basis: erasure }] : []),
        { kind: 'security_log_addresses', what: 'client addresses in the security log entries of the account', basis: erasure },
        { kind: 'workflow_histories', what: "the Temporal histories of the customer's verifications and reviews", basis: erasure },
        { kind: 'vendor_sessions', count: sessions, what: 'the identity sessions at the vendor of the verifications that are not kept (deletion queued at its rate limit)', basis: erasure },
      ],
      retained: retained.map((r) => ({
        kind: 'due_diligence_record' as const,
        record_id: r.id,
        status: r.status,
        until,
        what: RETAINED_RECORD_FIELDS,
        basis: LEGAL_BASES.amlRecordKeeping,
        access: RESTRICTED_ACCESS,
      })),
    };
  }

  /**
   * Files an erasure and closes the account at once (its tokens stop working, so nothing new
   * starts); a customer with a request already filed gets that one back.
   */
  async fileErasure(input: { userId: string; basis: ErasureBasis; requestedBy: string; requestedByRole: 'customer' | 'admin'; workflowIdOf: (requestId: string) => string; requestId: string }): Promise<{ request: ErasureRequest; created: boolean }> {
    const requestedAt = this.now();
    const plan = await this.plan(input.userId, requestedAt);
    return this.db.$transaction(async (tx) => {
      // Two requests at once for one customer: the second waits here and finds the first.
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${`erasure:${input.userId}`}, 0))`;
      const existing = await tx.erasureRequest.findFirst({ where: { userId: input.userId }, orderBy: { requestedAt: 'desc' } });
      if (existing) return { request: existing, created: false };
      const request = await tx.erasureRequest.create({
        data: { id: input.requestId, userId: input.userId, basis: input.basis, requestedBy: input.requestedBy, requestedByRole: input.requestedByRole, workflowId: input.workflowIdOf(input.requestId), plan, requestedAt },
      });
      await tx.user.update({ where: { id: input.userId }, data: { isActive: false, tokenVersion: { increment: 1 } } });
      await recordPrivacyEvent(tx, { action: 'erasure_requested', subjectId: input.userId, actor: { id: input.requestedBy, role: input.requestedByRole }, details: { requestId: request.id, basis: input.basis, retained: plan.retained.length } });
      return { request, created: true };
    });
  }

  async erasureRequest(id: string): Promise<ErasureRequest | null> {
    return this.db.erasureRequest.findUnique({ where: { id } });
  }

  /**
   * Carries out an erasure (idempotent: a retry skips what is done). Kept records are re-sealed
   * under the customer's `retained` key and restricted; everything else of the customer is nulled;
   * then the `personal` key is destroyed, which makes every copy of what it sealed unreadable,
   * backups and Temporal histories included. Answers the vendor sessions to delete.
   */
  async eraseNow(requestId: string): Promise<{ vendorSessionIds: string[]; recordIds: string[] }> {
    const request = await this.db.erasureRequest.findUniqueOrThrow({ where: { id: requestId } });
    const { userId } = request;
    const records = await this.recordsOf(userId);
    // Judged on the records as they are now: a verification may have moved since the request was filed.
    const until = amlRetentionEnd(request.requestedAt, this.settings.amlRetentionYears);
    const kept = new Set(records.filter((r) => r.restrictedAt || (!r.piiErasedAt && isDueDiligenceRecord(r))).map((r) => r.id));
    if (request.status === 'accepted') {
      const at = this.now();
      const reseal = (sealed: string) => this.personalData.reseal(userId, sealed, 'retained');
      let restricted = 0;
      let erased = 0;
      let notes = 0;
      let bodies = 0;
      for (const record of records) {
        if (record.piiErasedAt || record.restrictedAt) continue;
        if (kept.has(record.id)) {
          bodies += await this.restrict(record, until, reseal, requestId, at);
          restricted += 1;
        } else {
          const done = await this.eraseRecord(record.id, { basis: LEGAL_BASES.erasure, requestId, at });
          notes += done.notes;
          bodies += done.bodies;
          erased += 1;
        }
      }
      const outcome: ErasureOutcome = { verifications_erased: erased, verifications_restricted: restricted, review_notes: notes, webhook_bodies: bodies };
      const context: ErasureContext = {
        retainedRecordIds: [...kept],
        reseal,
        resealBytes: async (sealed) => this.personalData.seal(userId, await this.personalData.open(userId, sealed), 'retained'),
      };
      for (const holder of this.holders) {
        const done = await holder.erase(userId, context);
        outcome[`${holder.kind}_erased`] = done.erased;
        outcome[`${holder.kind}_retained`] = done.retained;
      }
      Object.assign(outcome, await this.eraseAccount(userId, at));
      // Nothing kept: the retained key's tombstone too, so nothing can ever be kept for them later.
      await this.personalData.destroy(userId, kept.size ? ['personal'] : ['personal', 'retained']);
      await this.db.$transaction(async (tx) => {
        const moved = await tx.erasureRequest.updateMany({ where: { id: requestId, status: 'accepted' }, data: { status: 'erased', erasedAt: at, erased: outcome } });
        if (moved.count) await recordPrivacyEvent(tx, { action: 'erasure_carried_out', subjectId: userId, actor: SYSTEM, details: { requestId, ...outcome } });
      });
    }
    return { vendorSessionIds: await this.sessionIdsOf(records.filter((r) => !kept.has(r.id)).map((r) => r.id)), recordIds: records.map((r) => r.id) };
  }

  /**
   * Keeps a due-diligence record: its PII re-sealed under the `retained` key, hidden from everyone
   * but the auditor, until `until`. The vendor's messages about it go (what they said is in the
   * record); answers how many.
   */
  private async restrict(record: KycRecord & { reviewTasks: { id: string; notesEnc: string | null }[] }, until: Date, reseal: (sealed: string) => Promise<string>, requestId: string, at: Date): Promise<number> {
    const columns: Partial<Record<(typeof PII_COLUMNS)[number], string>> = {};
    for (const column of PII_COLUMNS) {
      const value = record[column];
      if (value) columns[column] = await reseal(value);
    }
    const notes = await Promise.all(record.reviewTasks.filter((t) => t.notesEnc).map(async (t) => ({ id: t.id, notesEnc: await reseal(t.notesEnc!) })));
    return this.db.$transaction(async (tx) => {
      await tx.kycRecord.update({ where: { id: record.id }, data: { ...columns, documentNumberHash: null, veriffSessionUrl: null, restrictedAt: at, retainUntil: until } });
      for (const task of notes) await tx.reviewTask.update({ where: { id: task.id }, data: { notesEnc: task.notesEnc } });
      const bodies = await this.eraseBodies(tx, { kycRecordId: record.id }, at);
      await appendEvent(tx, {
        recordId: record.id,
        type: 'PERSONAL_DATA_RESTRICTED',
        actor: { type: 'system' },
        reason: 'Kept under anti-money-laundering record keeping after the customer asked for erasure; restricted to the auditor',
        data: { requestId, basis: LEGAL_BASES.amlRecordKeeping, retainUntil: until.toISOString() },
        dedupeKey: `${record.id}:restricted`,
      });
      return bodies;
    });
  }

  /**
   * Nulls a record's personal data (and its review notes and webhook bodies) and erases what the
   * other holders keep for it (documents, screening results); the row and its audit trail stay.
   * Answers how many notes and bodies went.
   */
  async eraseRecord(recordId: string, cause: { basis: string; requestId?: string; at: Date; dedupe?: string }): Promise<{ notes: number; bodies: number }> {
    const { userId } = await this.db.kycRecord.findUniqueOrThrow({ where: { id: recordId }, select: { userId: true } });
    for (const holder of this.holders) await holder.eraseRecords(userId, [recordId]);
    return this.db.$transaction(async (tx) => {
      await tx.kycRecord.update({ where: { id: recordId }, data: { ...ERASED_COLUMNS, piiErasedAt: cause.at } });
      const notes = await tx.reviewTask.updateMany({ where: { kycRecordId: recordId, notesEnc: { not: null } }, data: { notesEnc: null } });
      const bodies = await this.eraseBodies(tx, { kycRecordId: recordId }, cause.at);
      await appendEvent(tx, {
        recordId,
        type: 'PERSONAL_DATA_ERASED',
        actor: { type: 'system' },
        reason: cause.basis === LEGAL_BASES.amlRetentionEnded ? 'The anti-money-laundering retention period ended' : cause.basis === LEGAL_BASES.retentionPolicy ? 'Its retention period ended' : 'Erased at the customer’s request',
        data: { basis: cause.basis, ...(cause.requestId ? { requestId: cause.requestId } : {}) },
        dedupeKey: `${recordId}:erased${cause.dedupe ? `:${cause.dedupe}` : ''}`,
      });
      return { notes: notes.count, bodies };
    });
  }

  private async eraseBodies(tx: Tx, where: Prisma.WebhookReceiptWhereInput, at: Date): Promise<number> {
    return (await tx.webhookReceipt.updateMany({ where: { ...where, rawBodyEnc: { not: null } }, data: { rawBodyEnc: null, bodyErasedAt: at } })).count;
  }

  /** The account: names replaced, password and external identity gone, closed; the security log keeps its facts without the addresses. */
  private async eraseAccount(userId: string, at: Date): Promise<ErasureOutcome> {
    return this.db.$transaction(async (tx) => {
      await tx.user.update({
        where: { id: userId },
        data: { username: erasedUsername(userId), email: null, passwordHash: null, externalIssuer: null, externalSubject: null, isActive: false, tokenVersion: { increment: 1 }, erasedAt: at },
      });
      const addresses = await tx.securityEvent.updateMany({ where: { userId, ip: { not: null } }, data: { ip: null } });
      return { security_log_addresses: addresses.count };
    });
  }

  /** Every vendor session these records opened (one per attempt), from their audit trail. */
  private async sessionIdsOf(recordIds: readonly string[]): Promise<string[]> {
    if (recordIds.length === 0) return [];
    const events = await this.db.kycEvent.findMany({ where: { kycRecordId: { in: [...recordIds] }, eventType: 'SESSION_CREATED' }, select: { data: true } });
    const ids = events.map((e) => (e.data as { sessionId?: unknown } | null)?.sessionId).filter((id): id is string => typeof id === 'string');
    return [...new Set(ids)];
  }

  async recordVendorDeletions(requestId: string, deleted: number, total: number): Promise<void> {
    await this.db.erasureRequest.update({ where: { id: requestId }, data: { vendorDeleted: deleted, vendorSessions: total } });
  }

  async completeErasure(requestId: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const request = await tx.erasureRequest.findUniqueOrThrow({ where: { id: requestId } });
      if (request.status === 'completed') return;
      await tx.erasureRequest.update({ where: { id: requestId }, data: { status: 'completed', completedAt: this.now() } });
      await recordPrivacyEvent(tx, { action: 'erasure_completed', subjectId: request.userId, actor: SYSTEM, details: { requestId, vendorSessionsDeleted: request.vendorDeleted } });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // The end of AML retention, and a restored database meeting the key store

  /**
   * Erases up to `limit` records whose AML retention ended (the retention schedule calls it), and
   * destroys the `retained` key of each customer who has nothing kept any more. Answers how many and
   * the vendor sessions of those records, to delete.
   */
  async endAmlRetention(limit: number): Promise<{ erased: number; vendorSessionIds: string[] }> {
    const at = this.now();
    const due = await this.db.kycRecord.findMany({ where: { retainUntil: { lte: at }, piiErasedAt: null }, take: limit, select: { id: true, userId: true } });
    for (const record of due) {
      await this.eraseRecord(record.id, { basis: LEGAL_BASES.amlRetentionEnded, at, dedupe: 'retention-ended' });
    }
    for (const userId of new Set(due.map((r) => r.userId))) {
      const stillKept = await this.db.kycRecord.count({ where: { userId, restrictedAt: { not: null }, piiErasedAt: null } });
      if (stillKept === 0) await this.personalData.destroy(userId, ['retained']);
    }
    return { erased: due.length, vendorSessionIds: await this.sessionIdsOf(due.map((r) => r.id)) };
  }

  /**
   * A restored database may predate erasures: customers whose `personal` key the key store shows
   * destroyed but whose rows still hold their (now unreadable) ciphertext or account names are
   * erased again. Records restricted after the erasure (sealed with the `retained` key) stay.
   * Pages through the key store's tombstones from `after`; answers how many it erased and where it got.
   */
  async reapplyErasures(after: string | null, limit: number): Promise<{ reapplied: number; next: string | null }> {
    const subjects = await this.personalData.keys.destroyedSubjects('personal', after, limit);
    let reapplied = 0;
    // Receipts' own keys (receipt:<id>) are tombstones too; only customers have accounts.
    for (const subjectId of subjects.filter((id) => UUID.test(id))) {
      const user = await this.db.user.findUnique({ where: { id: subjectId }, select: { erasedAt: true } });
      if (!user) continue;
      const at = this.now();
      const stale = await this.db.kycRecord.findMany({ where: { userId: subjectId, piiErasedAt: null, restrictedAt: null }, select: { id: true } });
      for (const record of stale) await this.eraseRecord(record.id, { basis: LEGAL_BASES.erasure, at, dedupe: `reapplied:${at.getTime()}` });
      if (!user.erasedAt || stale.length) {
        await this.eraseAccount(subjectId, at);
        await recordPrivacyEvent(this.db, { action: 'erasure_reapplied', subjectId, actor: SYSTEM, details: { records: stale.length } });
        reapplied += 1;
      }
    }
    return { reapplied, next: subjects.length === limit ? subjects.at(-1)! : null };
  }

  /**
   * The other direction: a restored key store may predate erasures. Customers the main database
   * shows erased get their `personal` key destroyed again, and their `retained` key too once nothing
   * of theirs is kept. Pages through erased accounts from `after`; answers how many keys it destroyed.
   */
  async reapplyKeyDestructions(after: string | null, limit: number): Promise<{ destroyed: number; next: string | null }> {
    const erased = await this.db.user.findMany({ where: { erasedAt: { not: null }, ...(after ? { id: { gt: after } } : {}) }, orderBy: { id: 'asc' }, take: limit, select: { id: true } });
    const ids = erased.map((u) => u.id);
    const personalGone = await this.personalData.keys.destroyedAmong(ids, 'personal');
    const retainedGone = await this.personalData.keys.destroyedAmong(ids, 'retained');
    let destroyed = 0;
    for (const userId of ids) {
      const purposes: KeyPurpose[] = [];
      if (!personalGone.has(userId)) purposes.push('personal');
      if (!retainedGone.has(userId) && (await this.db.kycRecord.count({ where: { userId, restrictedAt: { not: null }, piiErasedAt: null } })) === 0) purposes.push('retained');
      if (purposes.length === 0) continue;
      await this.personalData.destroy(userId, purposes);
      await recordPrivacyEvent(this.db, { action: 'erasure_reapplied', subjectId: userId, actor: SYSTEM, details: { keysDestroyed: purposes.join(',') } });
      destroyed += purposes.length;
    }
    return { destroyed, next: ids.length === limit ? ids.at(-1)! : null };
  }

  // ---------------------------------------------------------------------------------------------
  // Subject access

  /**
   * Everything held about a customer, opened: the account, the wallet, each verification with its
   * statuses, reasons, submitted and extracted data, decisions and reason codes, its events and the
   * vendor's messages, the erasure requests. That is the auditor's export; anyone else (the
   * customer) gets the customer's view of it (domain/customer-view.ts: what would tip them off is
   * withheld, named with its legal basis). Restricted records are opened only for the auditor with
   * a reason, through the gate (a restricted read on the trail); the export itself is on the trail too.
   */
  async exportSubject(userId: string, reader: Reader) {
    const user = await this.db.user.findUniqueOrThrow({ where: { id: userId }, include: { wallet: true } });
    const records = await this.db.kycRecord.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      include: { events: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }, reviewTasks: { orderBy: { createdAt: 'asc' } }, receipts: { orderBy: { receivedAt: 'asc' } } },
    });
    // The customer is told a record is kept, not what it holds; the auditor's read of it goes through the gate.
    const readsRestricted = restrictedReadRefusal(reader) === null;
    if (readsRestricted) await admitRead(this.db, reader, 'export', records.filter((r) => r.restrictedAt && !r.piiErasedAt));
    const open = async (sealed: string | null, subjectId = userId): Promise<string | null> => {
      if (sealed === null) return null;
      try {
        return await this.personalData.open(subjectId, sealed);
      } catch (err) {
        if (err instanceof SubjectErased) return null;
        throw err;
      }
    };
    const openJson = async (sealed: string | null, subjectId = userId): Promise<unknown> => {
      const text = await open(sealed, subjectId);
      return text === null ? null : (JSON.parse(text) as unknown);
    };
    const verifications = [];
    for (const record of records) {
      const state: 'erased' | 'restricted' | 'held' = record.piiErasedAt ? 'erased' : record.restrictedAt ? 'restricted' : 'held';
      const readable = state === 'held' || (state === 'restricted' && readsRestricted);
      verifications.push({
        id: record.id,
        status: record.status,
        reason: record.statusReason,
        next_action: record.nextAction,
        created_at: record.createdAt.toISOString(),
        verified_at: record.verifiedAt?.toISOString() ?? null,
        attempts: record.attempt,
        country: record.country,
        nationality: record.nationality,
        document_type: record.documentType,
        personal_data: state,
        retained_until: record.retainUntil?.toISOString() ?? null,
        submitted: readable
          ? {
              first_name: await open(record.firstNameEnc),
              last_name: await open(record.lastNameEnc),
              date_of_birth: await open(record.dateOfBirthEnc),
              document_number: await open(record.documentNumberEnc),
              address: await openJson(record.addressEnc),
            }
          : null,
        extracted_by_vendor: readable ? await openJson(record.extractedDataEnc) : null,
        vendor_decision: { status: record.vendorStatus, reason_code: record.vendorReasonCode },
        risk: { score: record.riskScore, reason_codes: ((record.riskReasons as { code?: string }[] | null) ?? []).map((r) => r.code ?? null) },
        review_decisions: await Promise.all(
          record.reviewTasks
            .filter((t) => t.decision)
            .map(async (t) => ({ decision: t.decision, reason_code: t.reasonCode, decided_at: t.decidedAt?.toISOString() ?? null, notes: readable ? await open(t.notesEnc) : null })),
        ),
        events: record.events.map((e) => ({ type: e.eventType, from_status: e.fromStatus, to_status: e.toStatus, actor: e.actorType, reason: e.reason, reason_codes: reasonCodesOf(e.data), at: e.createdAt.toISOString() })),
        vendor_messages: await Promise.all(
          record.receipts.map(async (r) => ({
            kind: r.kind,
            status_or_action: r.statusOrAction,
            received_at: r.receivedAt.toISOString(),
            body: readable ? await openJson(r.rawBodyEnc, r.kycRecordId ? userId : receiptSubject(r.id)) : null,
          })),
        ),
      });
    }
    const others = [];
    for (const holder of this.holders) others.push({ kind: holder.kind, items: await holder.export(userId, { restricted: readsRestricted }) });
    const erasures = await this.db.erasureRequest.findMany({ where: { userId }, orderBy: { requestedAt: 'asc' } });
    const auditorView = reader.role === RESTRICTED_DATA_READER_ROLE;
    await recordPrivacyEvent(this.db, { action: 'subject_export', subjectId: userId, actor: { id: reader.userId, role: reader.role }, reason: reader.reason ?? null, details: { verifications: records.length, view: auditorView ? 'full' : 'customer' } });
    const full = {
      generated_at: this.now().toISOString(),
      subject: { user_id: user.id, username: user.erasedAt ? null : user.username, email: user.email, role: user.role, created_at: user.createdAt.toISOString(), erased_at: user.erasedAt?.toISOString() ?? null },
      wallet: user.wallet ? { type: user.wallet.walletType, daily_limit: user.wallet.dailyLimit.toString(), monthly_limit: user.wallet.monthlyLimit.toString(), upgraded_at: user.wallet.upgradedAt?.toISOString() ?? null } : null,
      verifications,
      other_data: others,
      erasure_requests: erasures.map((e) => ({ id: e.id, basis: e.basis, status: e.status, requested_at: e.requestedAt.toISOString(), erased_at: e.erasedAt?.toISOString() ?? null, completed_at: e.completedAt?.toISOString() ?? null })),
    };
    return auditorView ? { ...full, withheld: [] } : customerExportView(full);
  }

  /** The privacy audit trail of a subject (or of every subject), newest first. */
  async auditTrail(filter: { subjectId?: string; limit: number }) {
    return this.db.privacyAuditEvent.findMany({ where: filter.subjectId ? { subjectId: filter.subjectId } : {}, orderBy: { createdAt: 'desc' }, take: filter.limit });
  }
}

/** The reason codes an audit event carries in its data (risk codes, vendor and review reason codes). */
function reasonCodesOf(data: unknown): (string | number)[] {
  if (!data || typeof data !== 'object') return [];
  const d = data as Record<string, unknown>;
  const codes: unknown[] = [...(Array.isArray(d.codes) ? d.codes : []), ...(Array.isArray(d.riskCodes) ? d.riskCodes : []), d.reasonCode, d.reviewReasonCode];
  return codes.filter((c): c is string | number => typeof c === 'string' || typeof c === 'number');
}

export type SubjectExport = Awaited<ReturnType<PrivacyStore['exportSubject']>>;
