import { randomUUID } from 'node:crypto';
import { type Db } from '../infra/db';
import { type WebhookOutcome } from '../generated/prisma/client';
import { type PersonalData, SubjectErased } from './personal-data';

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
}

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
    if (!input.record) {
      const existing = await this.db.webhookReceipt.findUnique({ where: { dedupeKey: input.dedupeKey }, select });
      if (existing) return existing;
    }
    const id = randomUUID();
    const body = await this.sealBody(input.record?.userId ?? receiptSubject(id), input.rawBody);
    const [written] = await this.db.webhookReceipt.createManyAndReturn({
      data: [{ id, ...(input.source ? { source: input.source } : {}), kind: input.kind, kycRecordId: input.record?.id ?? null, sessionId: input.sessionId, attemptId: input.attemptId, statusOrAction: input.statusOrAction, dedupeKey: input.dedupeKey, ...body, signatureVerdict: input.source === 'local' ? 'not_applicable' : 'valid' }],
      skipDuplicates: true,
      select,
    });
    // If the first row is not processed yet, both deliver it to the workflow, which keeps one (it
    // deduplicates on the same key).
    return written ?? this.db.webhookReceipt.findUniqueOrThrow({ where: { dedupeKey: input.dedupeKey }, select });
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
    await this.db.webhookReceipt.update({ where: { id }, data: { outcome, processedAt: this.now(), ...(recordId ? { kycRecordId: recordId } : {}) } });
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

  /** The body of a stored receipt, decrypted (the decision the risk rules read); null once it is no longer kept. */
  async body(receiptId: string): Promise<unknown> {
    const receipt = await this.db.webhookReceipt.findUniqueOrThrow({ where: { id: receiptId }, select: { id: true, rawBodyEnc: true, kycRecord: { select: { userId: true } } } });
    if (receipt.rawBodyEnc === null) return null;
    return JSON.parse(await this.personalData.open(receipt.kycRecord?.userId ?? receiptSubject(receipt.id), receipt.rawBodyEnc));
  }
}
