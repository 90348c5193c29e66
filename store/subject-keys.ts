import { randomBytes, randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import { type KeyRing } from '../infra/crypto';
import { type Db, runStatement } from '../infra/db';

// The data keys of subjects (subject_keys, in the key store database): one AES-256 key per subject
// and purpose, made on first use, wrapped by the service key ring and bound to its row (the row id,
// subject and purpose are the wrapping's associated data, so a wrapped key copied onto another row
// does not unwrap). Destroying a key leaves a tombstone: the subject never gets a new key of that
// purpose, so nothing new can be sealed for an erased customer by mistake.

/** `personal`: everything held about the customer. `retained`: what anti-money-laundering rules keep after an erasure. */
export const KEY_PURPOSES = ['personal', 'retained'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export interface DataKey {
  id: string;
  subjectId: string;
  purpose: KeyPurpose;
  key: Buffer;
}

/** The subject's key of that purpose was destroyed: what it sealed is gone for good. */
export class SubjectErased extends Error {
  constructor(
    readonly subjectId: string,
    readonly purpose: KeyPurpose,
  ) {
    super(`the ${purpose} data key of this subject was destroyed`);
    this.name = 'SubjectErased';
  }
}

const DATA_KEY_BYTES = 32;

const wrappingContext = (id: string, subjectId: string, purpose: string) => Buffer.from(`subject-key|${id}|${subjectId}|${purpose}`);

const isPurpose = (value: string): value is KeyPurpose => (KEY_PURPOSES as readonly string[]).includes(value);

const KEY_COLUMNS = Prisma.sql`id::text AS id, subject_id AS "subjectId", purpose, wrapped_key AS "wrappedKey", ring_key_id AS "ringKeyId"`;

interface KeyRow {
  id: string;
  subjectId: string;
  purpose: string;
  wrappedKey: string | null;
  ringKeyId: string | null;
}

export class SubjectKeyStore {
  constructor(
    private readonly db: Db,
    private readonly ring: KeyRing,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private unwrap(row: KeyRow): DataKey {
    if (!isPurpose(row.purpose)) throw new Error(`subject key ${row.id} has an unknown purpose`);
    if (row.wrappedKey === null || row.ringKeyId === null) throw new SubjectErased(row.subjectId, row.purpose);
    const key = this.ring.decrypt(row.ringKeyId, Buffer.from(row.wrappedKey, 'base64url'), wrappingContext(row.id, row.subjectId, row.purpose));
    return { id: row.id, subjectId: row.subjectId, purpose: row.purpose, key };
  }

  /** The subject's key of that purpose, made on first use; SubjectErased once it was destroyed. */
  async current(subjectId: string, purpose: KeyPurpose): Promise<DataKey> {
    // One statement: the key there, or a new one made. Two processes may make the first key of a
    // subject at once: the unique index keeps one, and the other reads it.
    const id = randomUUID();
    const wrapped = this.ring.encrypt(randomBytes(DATA_KEY_BYTES), wrappingContext(id, subjectId, purpose));
    const existing = Prisma.sql`SELECT ${KEY_COLUMNS} FROM subject_keys WHERE subject_id = ${subjectId} AND purpose = ${purpose}`;
    const [row] = await runStatement<KeyRow>(
      this.db,
      Prisma.sql`
      WITH made AS (
        INSERT INTO subject_keys (id, subject_id, purpose, wrapped_key, ring_key_id) VALUES (${id}::uuid, ${subjectId}, ${purpose}, ${wrapped.data.toString('base64url')}, ${wrapped.keyId})
        ON CONFLICT (subject_id, purpose) DO NOTHING
        RETURNING ${KEY_COLUMNS}
      )
      SELECT * FROM made UNION ALL ${existing} LIMIT 1`,
    );
    // Nothing only while another process's first key was being written: it is there now.
    const found = row ?? (await runStatement<KeyRow>(this.db, existing))[0];
    if (!found) throw new Error(`the ${purpose} key of a subject was neither made nor found`);
    return this.unwrap(found);
  }

  /** A key by its id (what a sealed value names); SubjectErased once destroyed. */
  async byId(id: string): Promise<DataKey> {
    const [row] = await runStatement<KeyRow>(this.db, Prisma.sql`SELECT ${KEY_COLUMNS} FROM subject_keys WHERE id = ${id}::uuid`);
    if (!row) throw new Error(`no subject key ${id}`);
    return this.unwrap(row);
  }

  /** Destroys the subject's keys of these purposes, leaving tombstones (also for a purpose never used); idempotent. */
  async destroy(subjectId: string, purposes: readonly KeyPurpose[]): Promise<void> {
    const destroyedAt = this.now();
    await this.db.subjectKey.updateMany({ where: { subjectId, purpose: { in: [...purposes] }, destroyedAt: null }, data: { wrappedKey: null, ringKeyId: null, destroyedAt } });
    await this.db.subjectKey.createMany({ data: purposes.map((purpose) => ({ id: randomUUID(), subjectId, purpose, wrappedKey: null, ringKeyId: null, destroyedAt })), skipDuplicates: true });
  }

  /** Of these subjects, the ones whose key of that purpose is destroyed. */
  async destroyedAmong(subjectIds: readonly string[], purpose: KeyPurpose): Promise<Set<string>> {
    const rows = await this.db.subjectKey.findMany({ where: { subjectId: { in: [...subjectIds] }, purpose, destroyedAt: { not: null } }, select: { subjectId: true } });
    return new Set(rows.map((r) => r.subjectId));
  }

  /** Subjects whose key of that purpose was destroyed, page by page (for reconciling a restored database). */
  async destroyedSubjects(purpose: KeyPurpose, after: string | null, limit: number): Promise<string[]> {
    const rows = await this.db.subjectKey.findMany({
      where: { purpose, destroyedAt: { not: null }, ...(after ? { subjectId: { gt: after } } : {}) },
      orderBy: { subjectId: 'asc' },
      take: limit,
      select: { subjectId: true },
    });
    return rows.map((r) => r.subjectId);
  }

  /** Re-wraps up to `limit` keys wrapped by a ring key other than the current one; how many it did. */
  async rewrapBatch(limit: number): Promise<number> {
    const rows = await this.db.subjectKey.findMany({ where: { ringKeyId: { not: null }, NOT: { ringKeyId: this.ring.currentKeyId } }, take: limit, orderBy: { id: 'asc' } });
    for (const row of rows) {
      const { key } = this.unwrap(row);
      const wrapped = this.ring.encrypt(key, wrappingContext(row.id, row.subjectId, row.purpose));
      // Only if nobody destroyed or re-wrapped it meanwhile: a destroyed key must stay destroyed.
      await this.db.subjectKey.updateMany({
        where: { id: row.id, ringKeyId: row.ringKeyId, wrappedKey: row.wrappedKey },
        data: { wrappedKey: wrapped.data.toString('base64url'), ringKeyId: wrapped.keyId, rewrappedAt: this.now() },
      });
    }
    return rows.length;
  }

  /** How many live data keys each ring key wraps. */
  async ringKeyUsage(): Promise<Record<string, number>> {
    const groups = await this.db.subjectKey.groupBy({ by: ['ringKeyId'], where: { ringKeyId: { not: null } }, _count: { _all: true } });
    return Object.fromEntries(groups.map((g) => [g.ringKeyId!, g._count._all]));
  }
}
