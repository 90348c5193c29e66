import { z } from 'zod';
import { type DocumentSummary } from '../../store/documents';

// How every API family shows a stored document: what it is, never its bytes (reviewers stream
// those through an audited endpoint of their own).

export const documentKindSchema = z.enum(['front', 'back', 'selfie']);

export const documentSchema = z.object({
  id: z.uuid().describe('The file id (file_id in the applications API)'),
  kind: documentKindSchema.describe('front or back of the document, or a selfie'),
  source: z.enum(['upload', 'veriff']).describe('upload: sent by the customer; veriff: kept from the vendor after its decision'),
  content_type: z.enum(['image/jpeg', 'image/png']),
  size: z.number().int().describe('Bytes'),
  width: z.number().int(),
  height: z.number().int(),
  attempt: z.number().int().nullable().describe('The verification attempt it belongs to; null while waiting for an application'),
  created_at: z.iso.datetime(),
});

export const uploadFieldsSchema = z.object({ kind: documentKindSchema.default('front').describe('Which image this is (default front)') });

export function documentView(document: DocumentSummary): z.input<typeof documentSchema> {
  return {
    id: document.id,
    kind: document.kind,
    source: document.source,
    content_type: document.contentType as 'image/jpeg' | 'image/png',
    size: document.byteSize,
    width: document.width,
    height: document.height,
    attempt: document.attempt,
    created_at: document.createdAt.toISOString(),
  };
}
