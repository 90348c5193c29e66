import { type DocumentSummary, type StoredCheck } from '../../store/documents';
import { type Reader } from '../../store/restricted-access';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// What reviewers see of a case's documents: the images (front, back, selfie), streamed one by one
// through an authorised endpoint (never a public URL), each view written to the case's audit trail
// (who, which document, when); and the engine's findings beside them (fields read, the machine-
// readable zone, metadata flags, the error-level heat map, itself an image of the document). The
// store lets a restricted customer's documents through to the auditor alone, with a reason.

export interface CaseDocuments {
  documents: DocumentSummary[];
  checks: Array<StoredCheck & { details: unknown }>;
}

export async function caseDocuments(deps: Pick<UseCaseDeps, 'stores'>, reader: Reader, recordId: string): Promise<CaseDocuments> {
  const record = await deps.stores.records.get(recordId);
  if (!record) throw new Problem('not_found', 'No such case');
  const documents = await deps.stores.documents.ofRecord(recordId, reader);
  const checks = await deps.stores.documents.checksOfRecord(recordId, reader);
  const withDetails = await Promise.all(checks.map(async (check) => ({ ...check, details: await deps.stores.documents.checkDetails(check.id, reader) })));
  return { documents, checks: withDetails };
}

/** The image itself, for one staff member; the view is on the audit trail before a byte is sent. */
export async function viewDocument(deps: Pick<UseCaseDeps, 'stores'>, viewer: Reader & { userId: string }, documentId: string): Promise<{ contentType: string; bytes: Buffer }> {
  const found = await deps.stores.documents.content(documentId, viewer);
  // An upload not yet referenced by an application belongs to no case: not for reviewers.
  if (!found || !found.document.recordId) throw new Problem('not_found', 'No such document');
  await deps.stores.documents.recordView({ recordId: found.document.recordId, documentId, viewer: { id: viewer.userId, role: viewer.role }, what: 'image' });
  return { contentType: found.document.contentType, bytes: found.bytes };
}

export async function viewHeatMap(deps: Pick<UseCaseDeps, 'stores'>, viewer: Reader & { userId: string }, checkId: string): Promise<Buffer> {
  const found = await deps.stores.documents.heatMap(checkId, viewer);
  if (!found) throw new Problem('not_found', 'No such document check');
  await deps.stores.documents.recordView({ recordId: found.recordId, documentId: found.documentId, viewer: { id: viewer.userId, role: viewer.role }, what: 'heat_map' });
  return found.png;
}
