import { z } from 'zod';
import { verifyResponseSchema } from '../../document-check';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { type UseCaseDeps } from '../use-cases/deps';
import { verifyDocument } from '../use-cases/verify-document';

// The document-check engine's own contract (POST /api/v1/verify), for staff and for integrating
// systems (service accounts, with an API key as their bearer token). The work is
// api/use-cases/verify-document.ts.

export const verifyFormFieldsSchema = z.object({
  full_name: z.string().describe('The applicant as on the document, given names then surname'),
  dob: z.string().describe('Date of birth, YYYY-MM-DD or DD-MM-YYYY'),
  nationality: z.string().describe('ISO 3166-1 alpha-2 or alpha-3 code'),
  id_number: z.string().describe('The document number'),
});

export const VERIFY_ROLES = ['reviewer', 'senior_reviewer', 'admin', 'service'] as const;

export function documentVerifyRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  api.route(
    {
      method: 'post',
      path: '/verify',
      operationId: 'verifyDocument',
      summary: 'Check an identity document image against the applicant’s details',
      description:
        'OCR of the visual and machine-readable zones (check digits, comparison with the submitted details, expiry), image metadata (editing software, camera data, dates) and error level analysis. ' +
        'The decision is accept, deny or flag for review, with one status per check and the details behind each (fields read, the zone, metadata found, integrity score, the heat map as base64 PNG). ' +
        'Nothing is stored. Errors are problem+json with a `message` member. Service accounts send their API key: Authorization: Bearer kyc_sk_... ' +
        'Each caller may send KYC_VERIFY_PER_HOUR checks per hour (429 with Retry-After, rule verify_per_caller); when the checks running and KYC_VERIFY_QUEUE_MAX waiting fill the process, the next is answered 503 with Retry-After (rule verify_queue_full).',
      tags: ['Document check'],
      access: VERIFY_ROLES,
      multipart: { fields: verifyFormFieldsSchema, file: { name: 'id_image', description: 'A photo or scan of the document: JPEG or PNG', required: true }, maxFileBytes: deps.config.KYC_DOCUMENT_MAX_BYTES },
      problemMessage: true,
      responses: { 200: { description: 'The decision, the status of each check and their details', schema: verifyResponseSchema } },
      problems: ['image_not_accepted', 'image_type_unsupported', 'rate_limited', 'busy'],
    },
    async (req) => {
      // The guard in front of multipartBody refuses a request without the required file.
      const body = await verifyDocument(deps, principalOf(req), req.body, req.file!.buffer);
      return { status: 200, body };
    },
  );
}
