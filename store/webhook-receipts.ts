import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { type WebhookOutcome } from '../generated/prisma/client';

// Vendor webhooks as received (webhook_receipts): stored, encrypted, before we answer, so nothing
// the vendor sends is lost. Only bodies whose signature verified are stored; what fails the
// signature goes to the security log as a size and a hash (api/use-cases/receive-veriff-webhook.ts).

export interface StoredReceipt {
  id: string;
  processedAt: Date | null;
  outcome: WebhookOutcome;
}

export class WebhookReceiptStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: PiiCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A signed, recognised webhook: stored once per fact (its dedupe key); a redelivery finds the first copy. */
  async storeRecognised(input: { kind: 'decision' | 'event'; sessionId: string; attemptId: string; statusOrAction: string; dedupeKey: string; rawBody: string }): Promise<StoredReceipt> {
    const select = { id: true, processedAt: true, outcome: true } as const;
    // One statement for a new fact (most webhooks): written and returned (ON CONFLICT DO NOTHING);
    // a redelivery, or the loser of two deliveries racing, writes nothing and reads the first row.
    const [written] = await this.db.webhookReceipt.createManyAndReturn({
      data: [{ kind: input.kind, sessionId: input.sessionId, attemptId: input.attemptId, statusOrAction: input.statusOrAction, dedupeKey: input.dedupeKey, rawBodyEnc: this.cipher.encrypt(input.rawBody), signatureVerdict: 'valid' }],
      skipDuplicates: true,
      select,
    });
    // If the first row is not processed yet, both deliver it to the workflow, which keeps one (it
    // deduplicates on the same key).
    return written ?? this.db.webhookReceipt.findUniqueOrThrow({ where: { dedupeKey: input.dedupeKey }, select });
  }

  /** A signed body we cannot act on (not JSON, an unknown shape): kept for a person to look at, closed at once. */
  async storeUnreadable(input: { kind: 'malformed' | 'unknown'; rawBody: string }): Promise<{ id: string }> {
    return this.db.webhookReceipt.create({
      data: { kind: input.kind, rawBodyEnc: this.cipher.encrypt(input.rawBody), signatureVerdict: 'valid', outcome: input.kind === 'malformed' ? 'malformed' : 'unrecognised', processedAt: this.now() },
      select: { id: true },
    });
  }

  async close(id: string, outcome: WebhookOutcome, recordId?: string): Promise<void> {
    await this.db.webhookReceipt.update({ where: { id }, data: { outcome, processedAt: this.now(), ...(recordId ? { kycRecordId: recordId } : {}) } });
  }

  /** A decision we fetched ourselves after its webhook was overdue, stored under the webhook's dedupe key so the late webhook is a duplicate. */
  async storePolledDecision(input: { recordId: string; sessionId: string; attemptId: string; status: string; dedupeKey: string; body: unknown }): Promise<{ id: string }> {
    return this.db.webhookReceipt.upsert({
      where: { dedupeKey: input.dedupeKey },
      create: {
        source: 'veriff-poll',
        kind: 'decision',
        kycRecordId: input.recordId,
        sessionId: input.sessionId,
        attemptId: input.attemptId,
        statusOrAction: input.status,
        dedupeKey: input.dedupeKey,
        rawBodyEnc: this.cipher.encryptJson(input.body),
        signatureVerdict: 'not_applicable',
        outcome: 'processed',
        processedAt: this.now(),
      },
      update: {},
      select: { id: true },
    });
  }

  /** The body of a stored receipt, decrypted (the decision the risk rules read). */
  async body(receiptId: string): Promise<unknown> {
    const receipt = await this.db.webhookReceipt.findUniqueOrThrow({ where: { id: receiptId }, select: { rawBodyEnc: true } });
    return JSON.parse(this.cipher.decrypt(receipt.rawBodyEnc));
  }
}
