import { z } from 'zod';
import { whereAlpha2, whereAlpha3 } from 'iso-3166-1';

// The document check's contract: what an applicant submits beside the image, the
// `/api/v1/verify` answer (decision, reason, one status per check) and the details a reviewer
// sees. Types are inferred from these schemas; nothing repeats their shapes.
//
// The details hold personal data (names, dates, document numbers read from the document, the
// heat map of its image): they are for the reviewer console and encrypted storage, never for logs,
// events, search attributes or workflow history in plain text.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_FIRST_DATE = /^(\d{2})-(\d{2})-(\d{4})$/;

function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

export function isNationalityCode(code: string): boolean {
  return code.length === 2 ? whereAlpha2(code) !== undefined : code.length === 3 && whereAlpha3(code) !== undefined;
}

const dateOfBirthSchema = z
  .string({ error: 'dateOfBirth is required (YYYY-MM-DD)' })
  .regex(ISO_DATE, 'dateOfBirth must be a date written YYYY-MM-DD')
  .refine(isCalendarDate, 'dateOfBirth must be a real calendar date')
  .refine((text) => text >= '1900-01-01', 'dateOfBirth must not be before 1900-01-01')
  .refine((text) => text <= new Date().toISOString().slice(0, 10), 'dateOfBirth must not be in the future');

export const documentSubmissionSchema = z.object({
  fullName: z
    .string({ error: 'fullName is required' })
    .trim()
    .min(1, 'fullName must not be empty')
    .max(200, 'fullName must be at most 200 characters')
    .refine((text) => /\p{L}/u.test(text), 'fullName must contain letters'),
  dateOfBirth: dateOfBirthSchema,
  nationality: z
    .string({ error: 'nationality is required (ISO 3166-1 alpha-2 or alpha-3)' })
    .trim()
    .toUpperCase()
    .refine(isNationalityCode, 'nationality must be an ISO 3166-1 alpha-2 or alpha-3 country code'),
  idNumber: z
    .string({ error: 'idNumber is required' })
    .trim()
    .min(1, 'idNumber must not be empty')
    .max(30, 'idNumber must be at most 30 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]*$/, 'idNumber may hold only letters, digits, spaces and hyphens'),
});
export type DocumentSubmission = z.infer<typeof documentSubmissionSchema>;

// The `/api/v1/verify` form fields (multipart, beside the `id_image` file). `dob` is also accepted
// day first (DD-MM-YYYY), as the contract allows; the output is the engine's submission.
export const verifyFormSchema = z
  .object({
    full_name: z.string({ error: 'full_name is required' }),
    dob: z
      .string({ error: 'dob is required (YYYY-MM-DD or DD-MM-YYYY)' })
      .trim()
      .transform((text) => {
        const dayFirst = DAY_FIRST_DATE.exec(text);
        return dayFirst ? `${dayFirst[3]}-${dayFirst[2]}-${dayFirst[1]}` : text;
      }),
    nationality: z.string({ error: 'nationality is required' }),
    id_number: z.string({ error: 'id_number is required' }),
  })
  .transform((form) => ({ fullName: form.full_name, dateOfBirth: form.dob, nationality: form.nationality, idNumber: form.id_number }))
  .pipe(documentSubmissionSchema);

export const checkStatusSchema = z.enum(['success', 'fail', 'flag for review']);
export type CheckStatus = z.infer<typeof checkStatusSchema>;

export const decisionSchema = z.enum(['accept', 'deny', 'flag for review']);
export type Decision = z.infer<typeof decisionSchema>;

export const checksSchema = z.object({
  ocr: checkStatusSchema,
  metadata: checkStatusSchema,
  image_integrity: checkStatusSchema,
});
export type Checks = z.infer<typeof checksSchema>;

// One reason a check gave: `code` for programs (stable), `message` for people (no personal data).
export const findingSchema = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]*$/),
  status: checkStatusSchema,
  message: z.string(),
});
export type Finding = z.infer<typeof findingSchema>;

const comparisonOutcomeSchema = z.enum(['match', 'close', 'mismatch', 'unreadable']);

export const comparisonSchema = z.object({
  // What was compared, and with what: the submission or the zone against the visual zone.
  field: z.enum(['fullName', 'dateOfBirth', 'idNumber', 'nationality']),
  between: z.enum(['submission_and_mrz', 'submission_and_visual_zone', 'mrz_and_visual_zone']),
  outcome: comparisonOutcomeSchema,
  // 0..1, for names only.
  similarity: z.number().min(0).max(1).optional(),
});
export type Comparison = z.infer<typeof comparisonSchema>;

const readFieldsSchema = z.object({
  surname: z.string().nullable(),
  givenNames: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  sex: z.string().nullable(),
  nationality: z.string().nullable(),
  documentNumber: z.string().nullable(),
  dateOfExpiry: z.string().nullable(),
});
export type ReadFields = z.infer<typeof readFieldsSchema>;

export const mrzReadingSchema = z.object({
  format: z.enum(['TD1', 'TD2', 'TD3']),
  // The lines as OCR read them, then as cleaned before parsing.
  rawLines: z.array(z.string()),
  lines: z.array(z.string()),
  valid: z.boolean(),
  fields: readFieldsSchema.extend({ issuingState: z.string().nullable(), documentCode: z.string().nullable() }),
  // `misread`: the field holds characters it cannot hold (OCR's doing, not a forger's).
  invalidFields: z.array(z.object({ field: z.string(), error: z.string(), misread: z.boolean() })),
  autocorrected: z.number().int().min(0),
});
export type MrzReading = z.infer<typeof mrzReadingSchema>;

export const ocrDetailsSchema = z.object({
  status: checkStatusSchema,
  performed: z.boolean(),
  // Mean word confidence of the recognised text, 0..100.
  confidence: z.number().nullable(),
  visualZone: readFieldsSchema,
  mrz: mrzReadingSchema.nullable(),
  comparisons: z.array(comparisonSchema),
  expired: z.boolean().nullable(),
  findings: z.array(findingSchema),
});
export type OcrDetails = z.infer<typeof ocrDetailsSchema>;

export const metadataDetailsSchema = z.object({
  status: checkStatusSchema,
  found: z.object({
    format: z.string(),
    make: z.string().nullable(),
    model: z.string().nullable(),
    software: z.array(z.string()),
    capturedAt: z.string().nullable(),
    modifiedAt: z.string().nullable(),
  }),
  findings: z.array(findingSchema),
});
export type MetadataDetails = z.infer<typeof metadataDetailsSchema>;

export const elaRegionSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  blocks: z.number().int(),
  // How far the region's error levels depart from the rest of the image's (mean robust z-score;
  // negative: the region had been compressed harder before, as a pasted JPEG has).
  departure: z.number(),
  // The evidence: |departure| x square root of its blocks.
  score: z.number(),
});

const imageIntegrityDetailsBase = z.object({
  status: checkStatusSchema,
  format: z.enum(['jpeg', 'png']),
  resolution: z.object({ width: z.number().int(), height: z.number().int(), sufficient: z.boolean() }),
  // Variance of the Laplacian at a fixed working size: low means blurred.
  blur: z.object({ score: z.number(), sufficient: z.boolean() }),
  ela: z.object({
    performed: z.boolean(),
    // The JPEG quality the image was saved at, read from its quantisation tables (null for PNG).
    sourceQuality: z.number().nullable(),
    // The two qualities it was re-encoded at.
    qualities: z.tuple([z.number().int(), z.number().int()]),
    // The strongest region's score (0: nothing stands out).
    score: z.number(),
    regions: z.array(elaRegionSchema),
  }),
  // The image is unreadable: ask the applicant for a new photo rather than deciding on it.
  retake: z.boolean(),
  findings: z.array(findingSchema),
});

export const imageIntegrityDetailsSchema = imageIntegrityDetailsBase.extend({
  // Error level analysis heat map (PNG) for the reviewer console.
  heatMap: z.instanceof(Buffer),
});
export type ImageIntegrityDetails = z.infer<typeof imageIntegrityDetailsSchema>;

export const documentCheckResultSchema = z.object({
  decision: decisionSchema,
  reason: z.string(),
  // The decision is "flag for review" because the photo cannot be read: ask for a new one.
  retake: z.boolean(),
  checks: checksSchema,
  details: z.object({
    ocr: ocrDetailsSchema,
    metadata: metadataDetailsSchema,
    image_integrity: imageIntegrityDetailsSchema,
  }),
});
export type DocumentCheckResult = z.infer<typeof documentCheckResultSchema>;

// The `/api/v1/verify` success body. `details` (with the heat map as base64 PNG) goes only to
// callers allowed to see personal data; the contract's fields are enough for everyone else.
export const verifyResponseSchema = z.object({
  status: z.literal('success'),
  verification_result: z.object({
    decision: decisionSchema,
    reason: z.string(),
    checks: checksSchema,
    retake: z.boolean().optional(),
    details: z
      .object({
        ocr: ocrDetailsSchema,
        metadata: metadataDetailsSchema,
        image_integrity: imageIntegrityDetailsBase.extend({ heatMapPng: z.base64() }),
      })
      .optional(),
  }),
});
export type VerifyResponse = z.infer<typeof verifyResponseSchema>;

// The contract's error body (the service itself answers errors as problem+json).
export const verifyErrorResponseSchema = z.object({ status: z.literal('error'), message: z.string() });

export function toVerifyResponse(result: DocumentCheckResult, options: { includeDetails: boolean }): VerifyResponse {
  const verification: VerifyResponse['verification_result'] = {
    decision: result.decision,
    reason: result.reason,
    checks: result.checks,
    retake: result.retake,
  };
  if (options.includeDetails) {
    const { heatMap, ...integrity } = result.details.image_integrity;
    verification.details = {
      ocr: result.details.ocr,
      metadata: result.details.metadata,
      image_integrity: { ...integrity, heatMapPng: heatMap.toString('base64') },
    };
  }
  return { status: 'success', verification_result: verification };
}
