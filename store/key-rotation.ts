import { type RingKeyUsage } from '../domain/privacy';
import { Prisma } from '../generated/prisma/client';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { PersonalData, SubjectErased } from './personal-data';
import { recordPrivacyEvent } from './restricted-access';
import { receiptSubject } from './webhook-receipts';

// Key rotation without downtime, the store's side. Service-key ciphertext (personal data written
// before subjects had keys) is read under both formats until it is re-sealed here under its
// subject's key, in batches, in the background; data keys and subscription secrets wrapped by an
// older ring key are re-wrapped under the current one. A ring key is retirable once nothing names it.

const SEALED_PREFIX = 'pd1.';
const RECORD_COLUMNS = ['firstNameEnc', 'lastNameEnc', 'dateOfBirthEnc', 'documentNumberEnc', 'addressEnc', 'extractedDataEnc'] as const;
const RECORD_SQL_COLUMNS = ['first_name_enc', 'last_name_enc', 'date_of_birth_enc', 'document_number_enc', 'address_enc', 'extracted_data_enc'];

const serviceKeyText = <K extends string>(column: K) => ({ [column]: { not: null }, NOT: { [column]: { startsWith: SEALED_PREFIX } } }) as Record<K, { not: null }> & { NOT: Record<K, { startsWith: string }> };

export class KeyRotationStore {
  constructor(
    private readonly db: Db,
    private readonly personalData: PersonalData,
    private readonly cipher: PiiCipher,
  ) {}

  /** Re-seals up to `limit` rows holding service-key ciphertext (records, review notes, webhook bodies) under their subject's key. */
  async resealServiceKeyData(limit: number): Promise<number> {
    // A row of a customer erased since (a restored database) cannot be sealed for them any more: it
    // is erased here, as the key store says it should be (null), rather than left in service-key form.
    const reseal = async (subjectId: string, value: string | null): Promise<string | null> => {
      if (!value || !PersonalData.isServiceKeyCiphertext(value)) return value;
      try {
        return await this.personalData.seal(subjectId, this.cipher.decrypt(value));
      } catch (err) {
        if (err instanceof SubjectErased) return null;
        throw err;
      }
    };
    const records = await this.db.kycRecord.findMany({ where: { OR: RECORD_COLUMNS.map(serviceKeyText) }, take: limit });
    for (const record of records) {
      const data: Partial<Record<(typeof RECORD_COLUMNS)[number], string | null>> = {};
      for (const column of RECORD_COLUMNS) data[column] = await reseal(record.userId, record[column]);
      const erased = RECORD_COLUMNS.some((column) => record[column] !== null && data[column] === null);
      // Only if no erasure nulled it meanwhile.
      await this.db.kycRecord.updateMany({ where: { id: record.id, piiErasedAt: null }, data: erased ? { ...Object.fromEntries(RECORD_COLUMNS.map((c) => [c, null])), documentNumberHash: null, piiErasedAt: new Date() } : data });
    }
    const tasks = await this.db.reviewTask.findMany({ where: serviceKeyText('notesEnc'), include: { kycRecord: { select: { userId: true } } }, take: limit });
    for (const task of tasks) await this.db.reviewTask.updateMany({ where: { id: task.id, notesEnc: task.notesEnc }, data: { notesEnc: await reseal(task.kycRecord.userId, task.notesEnc) } });
    const receipts = await this.db.webhookReceipt.findMany({ where: serviceKeyText('rawBodyEnc'), include: { kycRecord: { select: { userId: true } } }, take: limit });
    for (const receipt of receipts) {
      const rawBodyEnc = await reseal(receipt.kycRecord?.userId ?? receiptSubject(receipt.id), receipt.rawBodyEnc);
      await this.db.webhookReceipt.updateMany({ where: { id: receipt.id, rawBodyEnc: receipt.rawBodyEnc }, data: { rawBodyEnc, ...(rawBodyEnc === null ? { bodyErasedAt: new Date() } : {}) } });
    }
    return Math.max(records.length, tasks.length, receipts.length);
  }

  async rewrapDataKeys(limit: number): Promise<number> {
    return this.personalData.keys.rewrapBatch(limit);
  }

  /** Webhook subscription secrets under an older ring key, re-encrypted under the current one. */
  async reencryptSecrets(limit: number): Promise<number> {
    const rows = await this.db.webhookSubscription.findMany({ where: { NOT: { secretEnc: { startsWith: `${this.cipher.ring.currentKeyId}.` } } }, select: { id: true, secretEnc: true }, take: limit });
    for (const row of rows) await this.db.webhookSubscription.updateMany({ where: { id: row.id, secretEnc: row.secretEnc }, data: { secretEnc: this.cipher.encrypt(this.cipher.decrypt(row.secretEnc)) } });
    return rows.length;
  }

  /** What each ring key still protects (configured keys, and any key named in the data). `record` puts the rotation's counts on the privacy audit trail. */
  async usage(record?: { resealed: number; rewrapped: number; secrets: number }): Promise<RingKeyUsage[]> {
    const dataKeys = await this.personalData.keys.ringKeyUsage();
    const columns = [
      ...RECORD_SQL_COLUMNS.map((c) => Prisma.sql`SELECT split_part(${Prisma.raw(c)}, '.', 1) AS key_id FROM kyc_records WHERE ${Prisma.raw(c)} IS NOT NULL AND ${Prisma.raw(c)} NOT LIKE 'pd1.%'`),
      Prisma.sql`SELECT split_part(notes_enc, '.', 1) FROM review_tasks WHERE notes_enc IS NOT NULL AND notes_enc NOT LIKE 'pd1.%'`,
      Prisma.sql`SELECT split_part(raw_body_enc, '.', 1) FROM webhook_receipts WHERE raw_body_enc IS NOT NULL AND raw_body_enc NOT LIKE 'pd1.%'`,
    ];
    const legacy = await this.db.$queryRaw<{ key_id: string; n: number }[]>`SELECT key_id, count(*)::int AS n FROM (${Prisma.join(columns, ' UNION ALL ')}) t GROUP BY key_id`;
    const secrets = await this.db.$queryRaw<{ key_id: string; n: number }[]>`SELECT split_part(secret_enc, '.', 1) AS key_id, count(*)::int AS n FROM webhook_subscriptions GROUP BY 1`;
    const count = (rows: { key_id: string; n: number }[], keyId: string) => rows.find((r) => r.key_id === keyId)?.n ?? 0;
    const keyIds = [...new Set([...this.cipher.ring.keyIds, ...Object.keys(dataKeys), ...legacy.map((r) => r.key_id), ...secrets.map((r) => r.key_id)])];
    const usage = keyIds.map((keyId) => {
      const current = keyId === this.cipher.ring.currentKeyId;
      const entry = { keyId, current, dataKeys: dataKeys[keyId] ?? 0, serviceKeyCiphertexts: count(legacy, keyId), subscriptionSecrets: count(secrets, keyId) };
      return { ...entry, retirable: !current && entry.dataKeys + entry.serviceKeyCiphertexts + entry.subscriptionSecrets === 0 };
    });
    if (record) await recordPrivacyEvent(this.db, { action: 'key_rotation', actor: { id: null, role: 'system' }, details: { ...record, currentKeyId: this.cipher.ring.currentKeyId, retirable: usage.filter((u) => u.retirable).map((u) => u.keyId) } });
    return usage;
  }
}
