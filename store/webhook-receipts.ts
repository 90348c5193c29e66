import { randomUUID } from 'node:crypto';
import { type Db, runStatement } from '../infra/db';
import { Prisma, type WebhookOutcome } from '../generated/prisma/client';
import { type PersonalData, SubjectErased } from './personal-data';
import { admitRead, type Reader, SERVICE_READER } from './restricted-access';

// Vendor webhooks as received (webhook_receipts): stored, sealed, before we answer, so nothing the
// vendor sends is lost. Only bodies whose signature verified are stored; what fails the signature
// goes to the security log as a size and a hash (api/use-cases/receive-veriff-webhook.ts). A body
// is sealed with the data key of the customer whose verification it is about; a body about no
// known verification with a key of its own (subject `receipt:<id>`), destroyed when the body's
// retention ends. A body about an erased customer is not kept at all: the row says it came.

/** The subject whose key seals a receipt's body: its verification's customer, or the receipt itself. */
export const receiptSubject = (receiptId: string) => `receipt:${receiptId}`;

export interface StoredReceipt {
  id: string;
  processedAt: Date | null;
  outcome: WebhookOutcome;
  /** Written by this call; false when the fact was already stored (a redelivery). */
  fresh: boolean;
}

/** A receipt due for (another) delivery to its verification: what the redelivery loop took. */
export interface DueReceipt {
  id: string;
  kycRecordId: string;
  kind: 'decision' | 'event';
  sessionId: string;
  attemptId: string;
  statusOrAction: string;
}

/**
 * How long the process that stored a receipt has to hand it to its workflow before the redelivery
 * loop may take it; each redelivery waits twice as long, up to ten minutes, so a receipt that keeps
 * failing (the ops alert on unprocessed receipts names it) does not load the loop.
 */
export const FIRST_DELIVERY_LEASE_SECONDS = 30;
const LONGEST_LEASE_SECONDS = 600;

export class WebhookReceiptStore {
  constructor(
    private readonly db: Db,
    private readonly personalData: PersonalData,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The body sealed for its subject; null (with the time it was not kept) when the subject is erased. */
  private async sealBody(subjectId: string, body: string): Promise<{ rawBodyEnc: string | null; bodyErasedAt: Date | null }> {
    try {
      return { rawBodyEnc: await this.personalData.seal(subjectId, body), bodyErasedAt: null };
    } catch (err) {
      if (err instanceof SubjectErased) return { rawBodyEnc: null, bodyErasedAt: this.now() };
      throw err;
    }
  }

  /**
   * A signed, recognised webhook: stored once per fact (its dedupe key); a redelivery finds the first
   * copy. `record` is the verification it is about, when one is known.
   */
  async storeRecognised(input: {
    kind: 'decision' | 'event';
    sessionId: string;
    attemptId: string;
    statusOrAction: string;
    dedupeKey: string;
    rawBody: string;
    record: { id: string; userId: string } | null;
    /** local: the self-hosted document check's own decision (no signature to verify). */
    source?: 'veriff' | 'local';
  }): Promise<StoredReceipt> {
    const select = { id: true, processedAt: true, outcome: true } as const;
    // A body about no known verification gets a key of its own: looked up first, so a redelivery
    // does not mint a key for nothing. Otherwise one statement for a new fact (most webhooks):
    // written and returned (ON CONFLICT DO NOTHING); a redelivery, or the loser of two deliveries
    // racing, writes nothing and reads the first row.
    const earlier = async () => ({ ...(await this.db.webhookReceipt.findUniqueOrThrow({ where: { dedupeKey: input.dedupeKey }, select })), fresh: false });
    if (!input.record) {
      const existing = await this.db.webhookReceipt.findUnique({ where: { dedupeKey: input.dedupeKey }, select });
      if (existing) return { ...existing, fresh: false };
    }
    const id = randomUUID();
    const body = await this.sealBody(input.record?.userId ?? receiptSubject(id), input.rawBody);
    // A Veriff receipt about a verification is leased to the process storing it, which hands it
    // to the workflow right after answering; the local vendor's receipts are its workflow's own.
    const lease = input.record && input.source !== 'local' ? new Date(this.now().getTime() + FIRST_DELIVERY_LEASE_SECONDS * 1000) : null;
    // Written out, not built: this statement is on every webhook's path.
    const [written] = await runStatement<{ id: string; processed_at: Date | null; outcome: WebhookOutcome }>(
      this.db,
      Prisma.sql`
      INSERT INTO webhook_receipts (id, source, kind, kyc_record_id, session_id, attempt_id, status_or_action, dedupe_key, raw_body_enc, body_erased_at, signature_verdict, dispatch_after)
      VALUES (${id}::uuid, ${input.source ?? 'veriff'}, ${input.kind}, ${input.record?.id ?? null}::uuid, ${input.sessionId}, ${input.attemptId}, ${input.statusOrAction}, ${input.dedupeKey},
              ${body.rawBodyEnc}, ${body.bodyErasedAt}::timestamptz, ${input.source === 'local' ? 'not_applicable' : 'valid'}::"SignatureVerdict", ${lease}::timestamptz)
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING id, processed_at, outcome::text AS outcome`,
    );
    // A redelivery, or the loser of two deliveries racing: the first row is the fact, delivered
    // (or being delivered, or due for redelivery) on its own.
    return written ? { id: written.id, processedAt: written.processed_at, outcome: written.outcome, fresh: true } : earlier();
  }

  /**
   * Takes up to `limit` receipts whose delivery is due (their process died, or delivery failed),
   * oldest first, each leased to the caller for its next delivery. Several API processes may
   * call this at once: a receipt goes to one of them (SKIP LOCKED).
   */
  async takeDue(limit: number): Promise<DueReceipt[]> {
    const rows = await this.db.$queryRaw<{ id: string; kyc_record_id: string; kind: 'decision' | 'event'; session_id: string; attempt_id: string; status_or_action: string }[]>`
      UPDATE webhook_receipts
      SET dispatch_after = now() + least(${FIRST_DELIVERY_LEASE_SECONDS}::float8 * power(2, dispatch_attempts + 1), ${LONGEST_LEASE_SECONDS}::float8) * interval '1 second',
          dispatch_attempts = dispatch_attempts + 1
      WHERE id IN (
        SELECT id FROM webhook_receipts
        WHERE outcome = 'received' AND processed_at IS NULL AND dispatch_after <= now() AND kyc_record_id IS NOT NULL AND source = 'veriff'
        ORDER BY received_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kyc_record_id, kind, session_id, attempt_id, status_or_action`;
    return rows.map((r) => ({ id: r.id, kycRecordId: r.kyc_record_id, kind: r.kind, sessionId: r.session_id, attemptId: r.attempt_id, statusOrAction: r.status_or_action }));
  }

  /** A signed body we cannot act on (not JSON, an unknown shape): kept for a person to look at, closed at once. */
  async storeUnreadable(input: { kind: 'malformed' | 'unknown'; rawBody: string }): Promise<{ id: string }> {
    const id = randomUUID();
    return this.db.webhookReceipt.create({
      data: { id, kind: input.kind, ...(await this.sealBody(receiptSubject(id), input.rawBody)), signatureVerdict: 'valid', outcome: input.kind === 'malformed' ? 'malformed' : 'unrecognised', processedAt: this.now() },
      select: { id: true },
    });
  }

  async close(id: string, outcome: WebhookOutcome, recordId?: string): Promise<void> {
    await this.db.webhookReceipt.update({ where: { id }, data: { outcome, processedAt: this.now(), dispatchAfter: null, ...(recordId ? { kycRecordId: recordId } : {}) } });
  }

  /** Receipts handed to their verifications, closed in one statement. */
  async closeProcessed(ids: readonly string[]): Promise<void> {
    if (ids.length) {
      await runStatement(
        this.db,
        Prisma.sql`UPDATE webhook_receipts SET outcome = 'processed', processed_at = ${this.now()}::timestamptz, dispatch_after = NULL WHERE id = ANY(${[...ids]}::uuid[]) AND processed_at IS NULL`,
      );
    }
  }

  /** A decision we fetched ourselves after its webhook was overdue, stored under the webhook's dedupe key so the late webhook is a duplicate. */
  async storePolledDecision(input: { recordId: string; sessionId: string; attemptId: string; status: string; dedupeKey: string; body: unknown }): Promise<{ id: string }> {
    const existing = await this.db.webhookReceipt.findUnique({ where: { dedupeKey: input.dedupeKey }, select: { id: true } });
    if (existing) return existing;
    const { userId } = await this.db.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { userId: true } });
    const body = await this.sealBody(userId, JSON.stringify(input.body));
    const receipt = {
      source: 'veriff-poll',
      kind: 'decision',
      kycRecordId: input.recordId,
      sessionId: input.sessionId,
      attemptId: input.attemptId,
      statusOrAction: input.status,
      dedupeKey: input.dedupeKey,
      ...body,
      signatureVerdict: 'not_applicable',
      outcome: 'processed',
      processedAt: this.now(),
    } as const;
    await this.db.webhookReceipt.createMany({ data: [receipt], skipDuplicates: true });
    return this.db.webhookReceipt.findUniqueOrThrow({ where: { dedupeKey: input.dedupeKey }, select: { id: true } });
  }

  /** The body of a stored receipt, decrypted (the decision the risk rules read); null once it is no longer kept. A restricted record's through the gate. */
  async body(receiptId: string, reader: Reader = SERVICE_READER): Promise<unknown> {
    // The receipt and its record (whose owner's key sealed the body) in one statement: on every decision's path.
    const [receipt] = await runStatement<{ raw_body_enc: string | null; record_id: string | null; user_id: string | null; restricted_at: Date | null }>(
      this.db,
      Prisma.sql`SELECT r.raw_body_enc, k.id::text AS record_id, k.user_id::text AS user_id, k.restricted_at FROM webhook_receipts r LEFT JOIN kyc_records k ON k.id = r.kyc_record_id WHERE r.id = ${receiptId}::uuid`,
    );
    if (!receipt) throw new Error(`no webhook receipt ${receiptId}`);
    if (receipt.record_id && receipt.user_id) await admitRead(this.db, reader, 'webhook_bodies', [{ id: receipt.record_id, userId: receipt.user_id, restrictedAt: receipt.restricted_at }]);
    if (receipt.raw_body_enc === null) return null;
    return JSON.parse(await this.personalData.open(receipt.user_id ?? receiptSubject(receiptId), receipt.raw_body_enc));
  }
}
