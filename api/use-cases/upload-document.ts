import { type KycStatus } from '../../domain/status';
import { type DocumentKind, type DocumentSummary, UploadLimitReached } from '../../store/documents';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { keptImage } from './document-images';
import { findVisibleRecord } from './find-visible-record';
import { countAgainst } from './hourly-limits';
import { startDocumentCheck, type CheckStart } from './start-document-check';

// A customer's document images: checked to be a JPEG or PNG within the size and pixel limits, then
// kept as the engine's copy (the picture alone), sealed. To a verification's current attempt (the
// local vendor's session page uploads there, and the front starts the check), or ahead of an
// application, which then references them by id. Registration is free, so what one customer and one
// address may send is limited per hour, and what one customer may keep is limited in the store.

// While the verification waits for the customer's documents; later ones would not be looked at.
const TAKES_DOCUMENTS: readonly KycStatus[] = ['pending', 'in_progress'];

export interface UploadedToRecord {
  document: DocumentSummary;
  created: boolean;
  check: CheckStart;
}

export interface Upload {
  kind: DocumentKind;
  file: Buffer;
  clientIp: string;
}

// Counted before the image is decoded: the decoding is most of what an upload costs.
async function countUpload(deps: UseCaseDeps, principal: Principal, clientIp: string): Promise<void> {
  await countAgainst(deps, [
    { rule: 'uploads_per_customer', subject: principal.userId, max: deps.config.KYC_UPLOADS_PER_HOUR_PER_CUSTOMER, what: 'document uploads from one customer' },
    { rule: 'uploads_per_address', subject: clientIp, max: deps.config.KYC_UPLOADS_PER_HOUR_PER_IP, what: 'document uploads from one address' },
  ]);
}

const uploadLimits = (deps: UseCaseDeps) => ({ waiting: deps.config.KYC_UPLOADS_WAITING_MAX, perAttempt: deps.config.KYC_UPLOADS_PER_ATTEMPT_MAX });

function limitProblem(err: UploadLimitReached): Problem {
  const message =
    err.rule === 'waiting_uploads'
      ? `at most ${err.limit} uploads may wait for an application: reference them in POST /v1/kyc/applications (documents[]), or wait until unused ones expire`
      : `at most ${err.limit} images may be uploaded to one attempt of a verification`;
  return new Problem('conflict', `The file was not stored: ${message}`, [{ field: 'file', rule: err.rule, message }]);
}

async function saving<T>(save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (err) {
    if (err instanceof UploadLimitReached) throw limitProblem(err);
    throw err;
  }
}

export async function uploadRecordDocument(deps: UseCaseDeps, principal: Principal, recordId: string, input: Upload): Promise<UploadedToRecord> {
  const record = await findVisibleRecord(deps.stores.records, principal, recordId);
  if (!TAKES_DOCUMENTS.includes(record.status)) {
    throw new Problem('conflict', `Documents are taken while the verification waits for them; this one is ${record.status.replaceAll('_', ' ')}`);
  }
  await countUpload(deps, principal, input.clientIp);
  const { content, image } = await keptImage(input.file, deps.config, 'file');
  const saved = await saving(() => deps.stores.documents.saveUpload({ ownerId: record.userId, recordId: record.id, attempt: record.attempt, kind: input.kind, content, image, limits: uploadLimits(deps) }));
  const check = input.kind === 'front' ? await startDocumentCheck(deps, record, saved.document.id) : 'not_applicable';
  return { ...saved, check };
}

/** An upload ahead of an application (the applications API): kept for its owner until an application references it. */
export async function uploadApplicationFile(deps: UseCaseDeps, principal: Principal, input: Upload): Promise<{ document: DocumentSummary; created: boolean }> {
  await countUpload(deps, principal, input.clientIp);
  const { content, image } = await keptImage(input.file, deps.config, 'file');
  return saving(() => deps.stores.documents.saveUpload({ ownerId: principal.userId, recordId: null, attempt: null, kind: input.kind, content, image, limits: uploadLimits(deps) }));
}
