import { randomUUID } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import { ZodError } from 'zod';
import { acceptImage, checkDocument, DocumentImageError, type DocumentCheckResult, type DocumentCheckSettings, type OcrPool } from '../document-check';
import { type EventData } from '../domain/events';
import { type DocumentStore, type ImageFacts } from '../store/documents';
import { type RecordStore } from '../store/records';
import { type WebhookReceiptStore } from '../store/webhook-receipts';
import { type IdentityVendor, type VendorMediaItem } from '../vendors/identity-vendor';
import { localDecision } from '../vendors/local/contract';
import { localAttemptId, type DocumentCheckFailure, type DocumentCheckInput } from '../workflows/document-check.contract';
import { type VendorUpdate } from '../workflows/kyc-verification.contract';

// The documents' side of a verification: the local vendor's check of an uploaded document (the
// engine runs here, in the worker, on the process's one OCR pool), and the images a vendor holds
// for a decided session, fetched and kept sealed. Nothing read from a document is logged.

export interface DocumentActivityDeps {
  records: RecordStore;
  receipts: WebhookReceiptStore;
  documents: DocumentStore;
  vendor: IdentityVendor;
  ocr: OcrPool;
  settings: DocumentCheckSettings;
  /** KYC_DOCUMENT_MAX_BYTES: the largest image kept (in pixels: the settings' image.maxPixels). */
  maxBytes: number;
}

const VERDICT_OF = { accept: 'pass', deny: 'fail', 'flag for review': 'review' } as const satisfies Record<DocumentCheckResult['decision'], EventData<'DOCUMENT_CHECKED'>['verdict']>;

const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png' } as const;

function notCheckable(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'DocumentNotCheckable' satisfies DocumentCheckFailure, message, nonRetryable: true });
}

/** The findings behind the decision, as codes (no personal data): failed ones, then doubtful ones. */
function reasonCodesOf(result: DocumentCheckResult): string[] {
  const findings = [...result.details.metadata.findings, ...result.details.image_integrity.findings, ...result.details.ocr.findings];
  const codes = [...findings.filter((f) => f.status === 'fail'), ...findings.filter((f) => f.status === 'flag for review')].map((f) => f.code.toUpperCase());
  return [...new Set(codes)];
}

async function imageFacts(bytes: Buffer, limits: { maxBytes: number; maxPixels: number }, field: string): Promise<ImageFacts> {
  const accepted = await acceptImage(bytes, limits, field);
  return { contentType: CONTENT_TYPES[accepted.format], width: accepted.width, height: accepted.height };
}

export function createDocumentActivities(deps: DocumentActivityDeps) {
  const { records, receipts, documents, vendor } = deps;
  return {
    /** Tells the verification the document was submitted, as a vendor's `submitted` event would (stored first, then signalled by the workflow). */
    async announceDocumentSubmitted(input: DocumentCheckInput): Promise<VendorUpdate> {
      const attemptId = localAttemptId(input.attempt);
      const receipt = await receipts.storeRecognised({
        source: 'local',
        kind: 'event',
        sessionId: input.sessionId,
        attemptId,
        statusOrAction: 'submitted',
        dedupeKey: `local:${input.sessionId}:${attemptId}:submitted`,
        rawBody: JSON.stringify({ vendor: 'local', sessionId: input.sessionId, attemptId, action: 'submitted', documentId: input.documentId }),
        record: { id: input.recordId, userId: await records.subjectOf(input.recordId) },
      });
      return { kind: 'event', receiptId: receipt.id, sessionId: input.sessionId, attemptId, action: 'submitted' };
    },

    /**
     * Runs the engine on the front of the document against what the customer submitted, then stores
     * the verdict (details and heat map sealed), its DOCUMENT_CHECKED event and the decision receipt
     * in one transaction. A retry after the store finds the first check and delivers it.
     */
    async runDocumentCheck(input: DocumentCheckInput): Promise<{ checkId: string; update: Extract<VendorUpdate, { kind: 'decision' }> }> {
      const applicant = await records.sessionApplicant(input.recordId);
      const image = await documents.content(input.documentId);
      if (!image || image.document.recordId !== input.recordId) throw notCheckable('the uploaded document is not on this record');
      let result: DocumentCheckResult;
      try {
        result = await checkDocument(
          image.bytes,
          { fullName: `${applicant.firstName} ${applicant.lastName}`, dateOfBirth: applicant.dateOfBirth, nationality: applicant.nationality, idNumber: applicant.documentNumber },
          { ocr: deps.ocr, settings: deps.settings },
        );
      } catch (err) {
        // The upload was checked to be an image and the application validated, so these mean a rule
        // the engine has and the upload or the application did not: a person must look at it.
        if (err instanceof DocumentImageError) throw notCheckable(`the document image was refused by the engine (${err.code})`);
        if (err instanceof ZodError) throw notCheckable(`the application cannot be checked by the engine (${err.issues.map((issue) => `${issue.path.join('.')}: ${issue.code}`).join(', ')})`);
        throw err;
      }
      const attemptId = localAttemptId(input.attempt);
      const decision = localDecision({ sessionId: input.sessionId, attemptId, checkId: randomUUID(), result });
      const { heatMap, ...integrity } = result.details.image_integrity;
      const stored = await documents.saveCheck({
        recordId: input.recordId,
        ownerId: image.document.ownerId,
        documentId: input.documentId,
        sessionId: input.sessionId,
        attempt: input.attempt,
        verdict: { decision: result.decision, retake: result.retake, checks: result.checks, reason: result.reason, reasonCodes: reasonCodesOf(result) },
        details: { ocr: result.details.ocr, metadata: result.details.metadata, image_integrity: integrity },
        heatMap,
        event: { verdict: VERDICT_OF[result.decision] },
        receipt: { attemptId, status: decision.status, dedupeKey: `local:${input.sessionId}:${attemptId}:${decision.status}`, body: decision },
      });
      // The decision the receipt holds may be an earlier run's (a retry): read it back rather than trust this run.
      const delivered = vendor.readDecision(await receipts.body(stored.receiptId));
      log.info('document checked', { recordId: input.recordId, checkId: stored.checkId, decision: result.decision, status: delivered.status });
      return { checkId: stored.checkId, update: { kind: 'decision', receiptId: stored.receiptId, sessionId: input.sessionId, attemptId, status: delivered.status, reasonCode: delivered.reasonCode } };
    },

    async closeVendorReceipt(input: { receiptId: string; recordId: string; outcome: 'processed' | 'late' }): Promise<void> {
      await receipts.close(input.receiptId, input.outcome, input.recordId);
    },

    /** The images the vendor holds for a decided session that we keep (document sides and selfie). */
    async listVendorMedia(input: { sessionId: string }): Promise<VendorMediaItem[]> {
      const items = await vendor.listMedia(input.sessionId);
      return items.filter((item) => item.kind !== 'other');
    },

    /** Downloads one image and keeps it sealed, once per media id; what is not a JPEG or PNG is left out. */
    async keepVendorMedia(input: { recordId: string; item: VendorMediaItem }): Promise<'kept' | 'refused'> {
      const { item } = input;
      if (item.kind === 'other') return 'refused';
      const record = await records.ownerAndAttempt(input.recordId);
      if (!record) throw new Error(`record ${input.recordId} does not exist`);
      const bytes = await vendor.downloadMedia(item.id, deps.maxBytes);
      let image: ImageFacts;
      try {
        image = await imageFacts(bytes, { maxBytes: deps.maxBytes, maxPixels: deps.settings.image.maxPixels }, 'media');
      } catch (err) {
        if (!(err instanceof DocumentImageError)) throw err;
        log.warn('vendor media is not an image we keep', { recordId: input.recordId, mediaId: item.id, code: err.code });
        return 'refused';
      }
      await documents.saveVendorMedia({ ownerId: record.userId, recordId: input.recordId, attempt: record.attempt, kind: item.kind, source: 'veriff', vendorMediaId: item.id, content: bytes, image });
      return 'kept';
    },
  };
}
