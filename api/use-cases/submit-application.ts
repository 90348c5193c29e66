import { z } from 'zod';
import { documentTypeCode, type KycDocumentType } from '../../domain/kyc-application';
import { issuingCountry } from '../../vendors/identity-vendor';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { zodFieldErrors } from '../validate';
import { type UseCaseDeps } from './deps';
import { startDocumentCheck } from './start-document-check';
import { startVerification, type StartedVerification } from './start-verification';

// An application of the applications API: the KYC application fields, plus `documents[]`
// referencing files the customer uploaded first (POST /v1/kyc/files) by
// `file_id`. The files are checked to be the caller's and waiting before anything starts; once the
// verification exists they belong to its first attempt, and with the local vendor a front starts
// the document check at once.

export const applicationDocumentRefSchema = z.strictObject({
  file_id: z.uuid().describe('The id POST /v1/kyc/files answered'),
  doc_type: z.enum(['PASSPORT', 'ID_CARD', 'DRIVERS_LICENSE', 'RESIDENCE_PERMIT']).optional().describe("The application's document type, when given"),
  issued_country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code').optional().describe('The issuing country (nationality for passports and ID cards, residence otherwise), when given'),
});

export const applicationDocumentRefsSchema = z.array(applicationDocumentRefSchema).max(3, 'at most 3 files: front, back, selfie');

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export async function submitApplication(deps: UseCaseDeps, principal: Principal, body: unknown, clientIp: string): Promise<StartedVerification> {
  const { documents: rawDocuments, ...application } = isObject(body) ? body : { documents: undefined };
  // Absent is no files; null is not an array (the document says so) and is refused like any other type.
  const parsed = applicationDocumentRefsSchema.safeParse(rawDocuments === undefined ? [] : rawDocuments);
  if (!parsed.success) throw new Problem('validation_failed', 'See errors for each field', zodFieldErrors(parsed.error, 'documents'));
  const refs = parsed.data;

  const errors: { field: string; rule: string; message: string }[] = [];
  const waiting = await deps.stores.documents.unattachedUploads(principal.userId, refs.map((ref) => ref.file_id));
  refs.forEach((ref, index) => {
    if (!waiting.some((document) => document.id === ref.file_id)) {
      errors.push({ field: `documents.${index}.file_id`, rule: 'unknown_file', message: 'No upload of yours waiting for an application has this id (upload with POST /v1/kyc/files)' });
    }
  });
  if (isObject(body) && typeof body.document_type === 'string') {
    const type = body.document_type as KycDocumentType;
    refs.forEach((ref, index) => {
      if (ref.doc_type && ref.doc_type !== documentTypeCode(type)) errors.push({ field: `documents.${index}.doc_type`, rule: 'mismatch', message: `Must be the application's document type (${documentTypeCode(type)})` });
      const issuer = typeof body.nationality === 'string' && typeof body.country === 'string' ? issuingCountry(type, body.nationality, body.country) : null;
      if (ref.issued_country && issuer && ref.issued_country !== issuer) errors.push({ field: `documents.${index}.issued_country`, rule: 'mismatch', message: `Must be the document's issuing country as the application gives it (${issuer})` });
    });
  }
  if (errors.length) throw new Problem('validation_failed', 'See errors for each field', errors);

  const started = await startVerification(deps, principal, application, clientIp);
  if (refs.length === 0) return started;
  const record = await deps.stores.records.get(started.recordId);
  if (!record) return started;
  await deps.stores.documents.attach({ ownerId: principal.userId, recordId: record.id, attempt: record.attempt, documentIds: refs.map((ref) => ref.file_id) });
  const front = waiting.find((document) => document.kind === 'front');
  if (front) await startDocumentCheck(deps, record, front.id);
  return started;
}
