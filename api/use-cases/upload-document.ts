import { type KycStatus } from '../../domain/status';
import { type DocumentKind, type DocumentSummary } from '../../store/documents';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { inspectImage } from './document-images';
import { findVisibleRecord } from './find-visible-record';
import { startDocumentCheck, type CheckStart } from './start-document-check';

// A customer's document images: checked to be a JPEG or PNG within the size limit, then stored
// sealed. To a verification's current attempt (the local vendor's session page uploads there, and
// the front starts the check), or ahead of an application, which then references them by id.

// While the verification waits for the customer's documents; later ones would not be looked at.
const TAKES_DOCUMENTS: readonly KycStatus[] = ['pending', 'in_progress'];

export interface UploadedToRecord {
  document: DocumentSummary;
  created: boolean;
  check: CheckStart;
}

export async function uploadRecordDocument(deps: UseCaseDeps, principal: Principal, recordId: string, input: { kind: DocumentKind; file: Buffer }): Promise<UploadedToRecord> {
  const record = await findVisibleRecord(deps.stores.records, principal, recordId);
  if (!TAKES_DOCUMENTS.includes(record.status)) {
    throw new Problem('conflict', `Documents are taken while the verification waits for them; this one is ${record.status.replaceAll('_', ' ')}`);
  }
  const image = await inspectImage(input.file, deps.config.KYC_DOCUMENT_MAX_BYTES, 'file');
  const saved = await deps.stores.documents.saveUpload({ ownerId: record.userId, recordId: record.id, attempt: record.attempt, kind: input.kind, content: input.file, image });
  const check = input.kind === 'front' ? await startDocumentCheck(deps, record, saved.document.id) : 'not_applicable';
  return { ...saved, check };
}

/** An upload ahead of an application (the applications API): kept for its owner until an application references it. */
export async function uploadApplicationFile(deps: UseCaseDeps, principal: Principal, input: { kind: DocumentKind; file: Buffer }): Promise<{ document: DocumentSummary; created: boolean }> {
  const image = await inspectImage(input.file, deps.config.KYC_DOCUMENT_MAX_BYTES, 'file');
  return deps.stores.documents.saveUpload({ ownerId: principal.userId, recordId: null, attempt: null, kind: input.kind, content: input.file, image });
}
