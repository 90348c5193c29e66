import { type EventData } from '../domain/events';
import { randomUUID } from 'node:crypto';
import { type DocumentKind, type DocumentSource, Prisma } from '../generated/prisma/client';
import { type PiiCipher } from '../infra/crypto';
import { type Db, runStatement } from '../infra/db';
import { appendEvent, insertEventSql } from './audit';
import { enqueueEvent } from './outbox';
import { type PersonalData } from './personal-data';
import { type ErasureContext, type PersonalDataHolder } from './privacy';
import { admitRead, type Reader, recordStates, SERVICE_READER } from './restricted-access';

// Identity-document images and the document checks made on them (documents, document_checks): the
// images are personal data, so the store seals their bytes (and a check's details and heat map)
// and nothing else about them says who they show. Every read of the bytes by staff is put on the
// record's audit trail by the caller's use case through recordView. What belongs to a restricted
// record (kept after the customer's erasure) is read by the auditor alone, through the gate
// (store/restricted-access.ts), before anything is opened.

export type { DocumentKind, DocumentSource } from '../generated/prisma/client';

/**
 * How document bytes are sealed: the ONE place to switch to per-subject keys
 * (`personalData.seal(subjectId, bytes)` / `open`). `subjectId` is the customer the image shows.
 */
/** What the API checked about an image before it is stored (sniffed type, decoded size). */
export interface ImageFacts {
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
}

/** How many uploads a customer may keep: waiting for an application, and on one attempt of a verification. */
export interface UploadLimits {
  waiting: number;
  perAttempt: number;
}

/** An upload over one of the UploadLimits; `rule` names which. */
export class UploadLimitReached extends Error {
  constructor(
    readonly rule: 'waiting_uploads' | 'uploads_per_attempt',
    readonly limit: number,
  ) {
    super(`upload limit reached (${rule}: ${limit})`);
    this.name = 'UploadLimitReached';
  }
}

/** A stored document without its bytes. */
export interface DocumentSummary {
  id: string;
  ownerId: string;
  recordId: string | null;
  attempt: number | null;
  kind: DocumentKind;
  source: DocumentSource;
  contentType: string;
  byteSize: number;
  width: number;
  height: number;
  createdAt: Date;
}

const summarySelect = {
  id: true,
  ownerId: true,
  kycRecordId: true,
  attempt: true,
  kind: true,
  source: true,
  contentType: true,
  byteSize: true,
  width: true,
  height: true,
  createdAt: true,
} as const satisfies Prisma.DocumentSelect;

type SummaryRow = Prisma.DocumentGetPayload<{ select: typeof summarySelect }>;

// Prisma's Bytes columns take a Uint8Array over its own ArrayBuffer (a Buffer may be a view of a shared pool).
const bytea = (bytes: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

const toSummary = ({ kycRecordId, ...row }: SummaryRow): DocumentSummary => ({ ...row, recordId: kycRecordId });

/** The engine's verdict as stored in the clear: no personal data in any of it. */
export interface CheckVerdict {
  decision: 'accept' | 'deny' | 'flag for review';
  retake: boolean;
  checks: EventData<'DOCUMENT_CHECKED'>['checks'];
  reason: string;
  /** The findings' codes that made the decision (upper case, e.g. MRZ_CHECK_FAILED). */
  reasonCodes: string[];
}

export interface StoredCheck extends CheckVerdict {
  id: string;
  recordId: string;
  documentId: string;
  sessionId: string;
  attempt: number;
  checkedAt: Date;
}

/** The decision a check delivers to its verification, kept as the vendor's receipt (encrypted, it holds what was read). */
export interface LocalDecisionReceipt {
  attemptId: string;
  status: string;
  dedupeKey: string;
  body: unknown;
}

export class DocumentStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: PiiCipher,
    private readonly sealer: PersonalData,
  ) {}

  /**
   * A customer's upload. The same file (same bytes, same kind) sent again for the same record, or
   * again before any record, is the document already stored: `created` says which. A new one is
   * refused (UploadLimitReached) once the owner has `limits.waiting` uploads no record uses yet, or
   * the attempt has `limits.perAttempt`: counted under a lock per owner, so concurrent uploads
   * cannot pass the limit together.
   */
  async saveUpload(input: { ownerId: string; recordId: string | null; attempt: number | null; kind: DocumentKind; content: Buffer; image: ImageFacts; limits: UploadLimits }): Promise<{ document: DocumentSummary; created: boolean }> {
    const contentHash = this.cipher.contentHash(input.content);
    const same = { ownerId: input.ownerId, contentHash, kind: input.kind, kycRecordId: input.recordId, ...(input.recordId ? { attempt: input.attempt } : {}) };
    const existing = await this.db.document.findFirst({ where: same, select: summarySelect });
    if (existing) return { document: toSummary(existing), created: false };
    const sealed = await this.sealer.seal(input.ownerId, input.content);
    const saved = await this.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${`document-uploads:${input.ownerId}`}, 0))`;
      const again = await tx.document.findFirst({ where: same, select: summarySelect });
      if (again) return { row: again, created: false };
      const counted = input.recordId
        ? { rule: 'uploads_per_attempt' as const, limit: input.limits.perAttempt, where: { kycRecordId: input.recordId, attempt: input.attempt, source: 'upload' as const } }
        : { rule: 'waiting_uploads' as const, limit: input.limits.waiting, where: { ownerId: input.ownerId, kycRecordId: null, source: 'upload' as const } };
      if ((await tx.document.count({ where: counted.where })) >= counted.limit) throw new UploadLimitReached(counted.rule, counted.limit);
      const row = await tx.document.create({
        data: { ...same, attempt: input.attempt, source: 'upload', contentType: input.image.contentType, byteSize: input.content.length, width: input.image.width, height: input.image.height, contentEnc: bytea(sealed) },
        select: summarySelect,
      });
      if (input.recordId) {
        await appendEvent(tx, {
          recordId: input.recordId,
          type: 'DOCUMENT_UPLOADED',
          actor: { type: 'customer', id: input.ownerId },
          reason: `Document image uploaded (${input.kind})`,
          data: { documentId: row.id, kind: input.kind, attempt: input.attempt },
        });
      }
      return { row, created: true };
    });
    return { document: toSummary(saved.row), created: saved.created };
  }

  /** An image fetched from the vendor's media API: stored once per vendor media id, so a retried fetch finds it. */
  async saveVendorMedia(input: { ownerId: string; recordId: string; attempt: number; kind: DocumentKind; source: Exclude<DocumentSource, 'upload'>; vendorMediaId: string; content: Buffer; image: ImageFacts }): Promise<{ documentId: string; created: boolean }> {
    // One statement (it runs for every image of every decided session): the image and its audit
    // event, or nothing when the media id is kept already; either way the kept row's id.
    const sealed = await this.sealer.seal(input.ownerId, input.content);
    const id = randomUUID();
    const select = Prisma.sql`SELECT id::text AS id, false AS created FROM documents WHERE vendor_media_id = ${input.vendorMediaId}`;
    const [row] = await runStatement<{ id: string; created: boolean }>(
      this.db,
      Prisma.sql`
      WITH kept AS (
        INSERT INTO documents (id, owner_id, kyc_record_id, attempt, kind, source, content_type, byte_size, width, height, content_hash, content_enc, vendor_media_id)
        VALUES (${id}::uuid, ${input.ownerId}::uuid, ${input.recordId}::uuid, ${input.attempt}::int, ${input.kind}::text::"DocumentKind", ${input.source}::text::"DocumentSource",
                ${input.image.contentType}, ${input.content.length}::int, ${input.image.width}::int, ${input.image.height}::int, ${this.cipher.contentHash(input.content)}, ${sealed}, ${input.vendorMediaId})
        ON CONFLICT (vendor_media_id) DO NOTHING
        RETURNING id
      ), audit AS (${insertEventSql(
        {
          recordId: input.recordId,
          type: 'DOCUMENT_FETCHED',
          actor: { type: 'vendor' },
          reason: `Document image kept from the identity vendor (${input.kind})`,
          data: { documentId: id, kind: input.kind, attempt: input.attempt, source: input.source },
          dedupeKey: `document-fetched:${input.vendorMediaId}`,
        },
        new Date(),
        Prisma.sql`FROM kept`,
      )})
      SELECT id::text AS id, true AS created FROM kept
      UNION ALL ${select}
      LIMIT 1`,
    );
    // Nothing only when another run was storing the same image at that instant: its row is there now.
    const kept = row ?? (await runStatement<{ id: string; created: boolean }>(this.db, select))[0];
    if (!kept) throw new Error(`document of vendor media ${input.vendorMediaId} was neither stored nor found`);
    return { documentId: kept.id, created: kept.created };
  }

  /** Uploads of this owner not yet attached to a record, among `ids` (an application references them). */
  async unattachedUploads(ownerId: string, ids: readonly string[]): Promise<DocumentSummary[]> {
    const rows = await this.db.document.findMany({ where: { id: { in: [...ids] }, ownerId, kycRecordId: null, source: 'upload' }, select: summarySelect });
    return rows.map(toSummary);
  }

  /** Attaches an owner's pending uploads to a record (its first attempt): what an application's `documents[]` does. */
  async attach(input: { ownerId: string; recordId: string; attempt: number; documentIds: readonly string[] }): Promise<number> {
    if (input.documentIds.length === 0) return 0;
    return this.db.$transaction(async (tx) => {
      const rows = await tx.document.findMany({ where: { id: { in: [...input.documentIds] }, ownerId: input.ownerId, kycRecordId: null }, select: { id: true, kind: true } });
      if (rows.length === 0) return 0;
      await tx.document.updateMany({ where: { id: { in: rows.map((row) => row.id) } }, data: { kycRecordId: input.recordId, attempt: input.attempt } });
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'DOCUMENT_UPLOADED',
        actor: { type: 'customer', id: input.ownerId },
        reason: `Document images referenced by the application (${rows.map((row) => row.kind).join(', ')})`,
        data: { documentIds: rows.map((row) => row.id), attempt: input.attempt },
      });
      return rows.length;
    });
  }

  /** The documents of a record, oldest first, without their bytes. */
  async ofRecord(recordId: string, reader: Reader): Promise<DocumentSummary[]> {
    await admitRead(this.db, reader, 'documents', await recordStates(this.db, [recordId]));
    const rows = await this.db.document.findMany({ where: { kycRecordId: recordId }, select: summarySelect, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toSummary);
  }

  /** The image itself, unsealed. */
  async content(id: string, reader: Reader = SERVICE_READER): Promise<{ document: DocumentSummary; bytes: Buffer } | null> {
    const row = await this.db.document.findUnique({ where: { id }, select: { ...summarySelect, contentEnc: true, kycRecord: { select: { id: true, userId: true, restrictedAt: true } } } });
    if (!row) return null;
    const { contentEnc, kycRecord, ...summary } = row;
    await admitRead(this.db, reader, 'documents', kycRecord ? [kycRecord] : []);
    return { document: toSummary(summary), bytes: await this.sealer.open(row.ownerId, Buffer.from(contentEnc)) };
  }

  /** Who looked at which document (or its heat map) when: one audit event per view. */
  async recordView(input: { recordId: string; documentId: string; viewer: { id: string; role: string }; what: 'image' | 'heat_map' }): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'DOCUMENT_VIEWED',
        actor: { type: 'staff', id: input.viewer.id },
        reason: input.what === 'image' ? 'Document image viewed' : 'Error-level heat map of a document viewed',
        data: { documentId: input.documentId, what: input.what, role: input.viewer.role },
      });
    });
  }

  /**
   * Stores a check's verdict, its sealed details and heat map, the DOCUMENT_CHECKED event and the
   * decision receipt, in one transaction; once per vendor session (a retry returns the first).
   */
  async saveCheck(input: {
    recordId: string;
    ownerId: string;
    documentId: string;
    sessionId: string;
    attempt: number;
    verdict: CheckVerdict;
    details: unknown;
    heatMap: Buffer;
    event: Pick<EventData<'DOCUMENT_CHECKED'>, 'verdict'>;
    receipt: LocalDecisionReceipt;
  }): Promise<{ checkId: string; receiptId: string }> {
    const existing = await this.existingCheck(input.sessionId, input.receipt.dedupeKey);
    if (existing) return existing;
    const [detailsEnc, heatMapEnc, receiptBodyEnc] = await Promise.all([
      this.sealer.seal(input.ownerId, Buffer.from(JSON.stringify(input.details), 'utf8')),
      this.sealer.seal(input.ownerId, input.heatMap),
      this.sealer.sealJson(input.ownerId, input.receipt.body),
    ]);
    const { verdict } = input;
    return this.db.$transaction(async (tx) => {
      const check = await tx.documentCheck.create({
        data: {
          kycRecordId: input.recordId,
          documentId: input.documentId,
          sessionId: input.sessionId,
          attempt: input.attempt,
          decision: verdict.decision,
          retake: verdict.retake,
          checks: verdict.checks,
          reasonCodes: verdict.reasonCodes,
          reason: verdict.reason,
          detailsEnc: bytea(detailsEnc),
          heatMapEnc: bytea(heatMapEnc),
        },
        select: { id: true, checkedAt: true },
      });
      await appendEvent(tx, {
        recordId: input.recordId,
        type: 'DOCUMENT_CHECKED',
        actor: { type: 'system' },
        reason: `Document check: ${verdict.decision}${verdict.retake ? ' (a new photo is needed)' : ''}`,
        data: { checkId: check.id, documentId: input.documentId, decision: verdict.decision, retake: verdict.retake, checks: verdict.checks, reasonCodes: verdict.reasonCodes, attempt: input.attempt },
        dedupeKey: `document-checked:${input.sessionId}`,
      });
      await enqueueEvent(tx, {
        type: 'DOCUMENT_CHECKED',
        recordId: input.recordId,
        data: { recordId: input.recordId, checkId: check.id, verdict: input.event.verdict, retake: verdict.retake, checks: verdict.checks, reasonCodes: verdict.reasonCodes, checkedAt: check.checkedAt.toISOString() },
        dedupeKey: `document-checked:${input.sessionId}`,
      });
      // The decision, as a vendor's would be: a receipt the verification's risk step reads back.
      const receipt = await tx.webhookReceipt.create({
        data: {
          source: 'local',
          kind: 'decision',
          kycRecordId: input.recordId,
          sessionId: input.sessionId,
          attemptId: input.receipt.attemptId,
          statusOrAction: input.receipt.status,
          dedupeKey: input.receipt.dedupeKey,
          rawBodyEnc: receiptBodyEnc,
          signatureVerdict: 'not_applicable',
        },
        select: { id: true },
      });
      return { checkId: check.id, receiptId: receipt.id };
    });
  }

  private async existingCheck(sessionId: string, dedupeKey: string): Promise<{ checkId: string; receiptId: string } | null> {
    const [check, receipt] = await Promise.all([
      this.db.documentCheck.findUnique({ where: { sessionId }, select: { id: true } }),
      this.db.webhookReceipt.findUnique({ where: { dedupeKey }, select: { id: true } }),
    ]);
    return check && receipt ? { checkId: check.id, receiptId: receipt.id } : null;
  }

  /** A record's checks, newest first, in the clear parts only. */
  async checksOfRecord(recordId: string, reader: Reader): Promise<StoredCheck[]> {
    await admitRead(this.db, reader, 'document_checks', await recordStates(this.db, [recordId]));
    const rows = await this.db.documentCheck.findMany({ where: { kycRecordId: recordId }, orderBy: { checkedAt: 'desc' }, omit: { detailsEnc: true, heatMapEnc: true } });
    return rows.map((row) => ({
      id: row.id,
      recordId: row.kycRecordId,
      documentId: row.documentId,
      sessionId: row.sessionId,
      attempt: row.attempt,
      decision: row.decision as CheckVerdict['decision'],
      retake: row.retake,
      checks: row.checks as CheckVerdict['checks'],
      reason: row.reason,
      reasonCodes: row.reasonCodes,
      checkedAt: row.checkedAt,
    }));
  }

  /** A check's details (what was read, the zone, the metadata found), unsealed for a reviewer. */
  async checkDetails(checkId: string, reader: Reader): Promise<unknown> {
    const row = await this.db.documentCheck.findUniqueOrThrow({ where: { id: checkId }, select: { detailsEnc: true, document: { select: { ownerId: true } }, kycRecord: { select: { id: true, userId: true, restrictedAt: true } } } });
    await admitRead(this.db, reader, 'document_checks', [row.kycRecord]);
    return JSON.parse((await this.sealer.open(row.document.ownerId, Buffer.from(row.detailsEnc))).toString('utf8'));
  }

  /** A check's error-level heat map (PNG), unsealed, with the record it belongs to. */
  async heatMap(checkId: string, reader: Reader): Promise<{ recordId: string; documentId: string; png: Buffer } | null> {
    const row = await this.db.documentCheck.findUnique({ where: { id: checkId }, select: { kycRecordId: true, documentId: true, heatMapEnc: true, document: { select: { ownerId: true } }, kycRecord: { select: { id: true, userId: true, restrictedAt: true } } } });
    if (!row) return null;
    await admitRead(this.db, reader, 'document_checks', [row.kycRecord]);
    return { recordId: row.kycRecordId, documentId: row.documentId, png: await this.sealer.open(row.document.ownerId, Buffer.from(row.heatMapEnc)) };
  }
}

/**
 * Document images, the check's findings and heat maps are personal data of the customer they show
 * (the owner): they follow their verification. Erasure deletes those of the verifications it erases
 * and every upload no application took up; for the verifications kept under anti-money-laundering
 * rules (the document is the core of that due diligence) it re-seals them under the `retained` key.
 */
export function documentPersonalData(deps: { db: Db }): PersonalDataHolder {
  const { db } = deps;

  async function deleteDocuments(where: Prisma.DocumentWhereInput): Promise<number> {
    return db.$transaction(async (tx) => {
      const rows = await tx.document.findMany({ where, select: { id: true } });
      const ids = rows.map((r) => r.id);
      await tx.documentCheck.deleteMany({ where: { documentId: { in: ids } } });
      return (await tx.document.deleteMany({ where: { id: { in: ids } } })).count;
    });
  }

  return {
    kind: 'documents',

    async erase(subjectId: string, context: ErasureContext) {
      const kept = [...context.retainedRecordIds];
      const erased = await deleteDocuments({ ownerId: subjectId, OR: [{ kycRecordId: null }, { kycRecordId: { notIn: kept } }] });
      // Re-sealed one at a time: images are large. A retried activity reseals again (open reads either key).
      const documents = await db.document.findMany({ where: { ownerId: subjectId, kycRecordId: { in: kept } }, select: { id: true } });
      for (const { id } of documents) {
        const row = await db.document.findUniqueOrThrow({ where: { id }, select: { contentEnc: true } });
        await db.document.update({ where: { id }, data: { contentEnc: bytea(await context.resealBytes(row.contentEnc)) } });
      }
      const checks = await db.documentCheck.findMany({ where: { kycRecordId: { in: kept }, document: { ownerId: subjectId } }, select: { id: true, detailsEnc: true, heatMapEnc: true } });
      for (const check of checks) {
        await db.documentCheck.update({
          where: { id: check.id },
          data: { detailsEnc: bytea(await context.resealBytes(check.detailsEnc)), heatMapEnc: bytea(await context.resealBytes(check.heatMapEnc)) },
        });
      }
      return { erased, retained: documents.length };
    },

    async eraseRecords(subjectId: string, recordIds: readonly string[]) {
      return deleteDocuments({ ownerId: subjectId, kycRecordId: { in: [...recordIds] } });
    },

    async export(subjectId: string, access: { restricted: boolean }) {
      const documents = await db.document.findMany({
        where: { ownerId: subjectId, ...(access.restricted ? {} : { OR: [{ kycRecordId: null }, { kycRecord: { restrictedAt: null } }] }) },
        orderBy: { createdAt: 'asc' },
        select: { ...summarySelect, checks: { select: { id: true, decision: true, retake: true, checks: true, reasonCodes: true, reason: true, checkedAt: true } } },
      });
      // The images themselves are what the customer sent; the export lists them (the console and the
      // API serve each image to those allowed to see it) with what the check found.
      return documents.map(({ checks, ...document }) => ({
        ...toSummary(document),
        checks: checks.map((c) => ({ id: c.id, decision: c.decision, retake: c.retake, checks: c.checks, reason_codes: c.reasonCodes, reason: c.reason, checked_at: c.checkedAt.toISOString() })),
      }));
    },
  };
}
