// The Veriff Station wire contract (docs/veriff-contract.md) as zod schemas.
// Pure on purpose: Temporal workflow code imports this file, so it must stay free of Node APIs and I/O.
// Response/webhook schemas are loose because Veriff adds fields as "backwards compatible" changes.
import { z } from 'zod';

export const DOCUMENT_TYPES = ['PASSPORT', 'ID_CARD', 'DRIVERS_LICENSE', 'RESIDENCE_PERMIT'] as const;
export const documentTypeSchema = z.enum(DOCUMENT_TYPES);
export type DocumentType = z.infer<typeof documentTypeSchema>;

// ---------------------------------------------------------------------------------------------
// POST /v1/sessions request. Veriff itself only requires `verification`; everything inside is
// optional on the wire, but what we do send has to be well formed.
// ---------------------------------------------------------------------------------------------

export const sessionPersonSchema = z.object({
  firstName: z.string().min(1),
  lastName: z.string().min(1),
  idNumber: z.string().min(1).optional(),
  dateOfBirth: z.iso.date().optional(),
});
export type SessionPerson = z.infer<typeof sessionPersonSchema>;

export const sessionDocumentSchema = z.object({
  number: z.string().regex(/^[A-Za-z0-9]+$/, 'document number must be alphanumeric').optional(),
  type: documentTypeSchema,
  country: z.string().regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code').optional(),
});
export type SessionDocument = z.infer<typeof sessionDocumentSchema>;

export const createSessionRequestSchema = z.object({
  verification: z.object({
    // Only http(s): the hosted flow redirects the browser here, so other schemes would be an injection vector.
    callback: z.url({ protocol: /^https?$/ }).optional(),
    person: sessionPersonSchema.optional(),
    document: sessionDocumentSchema.optional(),
    address: z.object({ fullAddress: z.string().min(1) }).optional(),
    vendorData: z.string().max(1000).optional(),
    endUserId: z.uuid().optional(),
    // Older integrations (and the contract's signing test vector) still send it.
    timestamp: z.string().optional(),
  }),
});
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;
export type CreateSessionVerification = CreateSessionRequest['verification'];

// ---------------------------------------------------------------------------------------------
// POST /v1/sessions response, normalised so callers never deal with the old `baseUrl` shape.
// ---------------------------------------------------------------------------------------------

export const createSessionResponseSchema = z
  .looseObject({
    status: z.literal('success'),
    verification: z.looseObject({
      id: z.string().min(1),
      url: z.string().min(1),
      vendorData: z.string().nullish(),
      host: z.string().nullish(),
      baseUrl: z.string().nullish(),
      status: z.string().nullish(),
      sessionToken: z.string().nullish(),
    }),
  })
  .transform(({ verification: v }) => ({
    id: v.id,
    url: v.url,
    vendorData: v.vendorData ?? null,
    host: v.host ?? v.baseUrl ?? null,
    // Old responses had no status; a freshly created session is by definition `created`.
    status: v.status ?? 'created',
    sessionToken: v.sessionToken ?? null,
  }));
export type CreatedSession = z.infer<typeof createSessionResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export const veriffErrorBodySchema = z.looseObject({
  status: z.literal('fail'),
  // Some clients report string codes; accept them rather than lose the code.
  code: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  message: z.string().default(''),
});
export type VeriffErrorBody = z.infer<typeof veriffErrorBodySchema>;

export const VERIFF_ERROR_CODES = {
  missingParameters: 1102,
  invalidParameters: 1104,
  invalidStatus: 1303,
  cannotTransition: 1304,
  authClientMissing: 1801,
  integrationNotFound: 1803,
  signatureNotSha256: 1812,
  signatureIdMismatch: 1818,
  signatureBodyMismatch: 1819,
} as const;

// ---------------------------------------------------------------------------------------------
// Decision (webhook body and GET /v1/sessions/{id}/decision)
// ---------------------------------------------------------------------------------------------

export const DECISION_STATUSES = ['approved', 'declined', 'resubmission_requested', 'expired', 'abandoned', 'review'] as const;
export const decisionStatusSchema = z.enum(DECISION_STATUSES, {
  // A new status must fail loudly: silently mapping it to something would decide a KYC case wrongly.
  error: (issue) => `unknown Veriff decision status ${JSON.stringify(issue.input)}; expected one of ${DECISION_STATUSES.join(', ')}`,
});
export type DecisionStatus = z.infer<typeof decisionStatusSchema>;

// Informational only: the contract says to switch on the status string, never on the code.
export const DECISION_CODES: Readonly<Record<DecisionStatus, number>> = {
  approved: 9001,
  declined: 9102,
  resubmission_requested: 9103,
  expired: 9104,
  abandoned: 9104,
  review: 9121,
};

export const decisionPersonSchema = z.looseObject({
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  idNumber: z.string().nullish(),
  dateOfBirth: z.string().nullish(),
  nationality: z.string().nullish(),
  gender: z.string().nullish(),
});
export type DecisionPerson = z.infer<typeof decisionPersonSchema>;

export const decisionDocumentSchema = z.looseObject({
  // Plain string: Veriff may report document types we never request.
  type: z.string().nullish(),
  number: z.string().nullish(),
  country: z.string().nullish(),
  validFrom: z.string().nullish(),
  validUntil: z.string().nullish(),
});
export type DecisionDocument = z.infer<typeof decisionDocumentSchema>;

export const riskLabelSchema = z.looseObject({
  label: z.string(),
  category: z.string().nullish(),
  sessionIds: z.array(z.string()).nullish(),
});
export type RiskLabel = z.infer<typeof riskLabelSchema>;

export const decisionVerificationSchema = z.looseObject({
  id: z.string().min(1),
  attemptId: z.string().nullish(),
  vendorData: z.string().nullish(),
  endUserId: z.string().nullish(),
  status: decisionStatusSchema,
  code: z.number().int(),
  reason: z.string().nullish(),
  reasonCode: z.number().int().nullish(),
  decisionTime: z.string().nullish(),
  acceptanceTime: z.string().nullish(),
  person: decisionPersonSchema.nullish(),
  document: decisionDocumentSchema.nullish(),
  riskLabels: z.array(riskLabelSchema).nullish(),
  additionalVerifiedData: z.record(z.string(), z.unknown()).nullish(),
  comments: z.array(z.unknown()).nullish(),
});
export type DecisionVerification = z.infer<typeof decisionVerificationSchema>;

export const decisionWebhookSchema = z.looseObject({
  status: z.string(),
  verification: decisionVerificationSchema,
  technicalData: z.looseObject({ ip: z.string().nullish() }).nullish(),
});
export type DecisionWebhook = z.infer<typeof decisionWebhookSchema>;

export const decisionResponseSchema = z.looseObject({
  status: z.literal('success'),
  // null until Veriff has decided.
  verification: decisionVerificationSchema.nullable(),
});
export type DecisionResponse = z.infer<typeof decisionResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Event webhook
// ---------------------------------------------------------------------------------------------

export const EVENT_ACTIONS = ['started', 'submitted'] as const;
export const eventActionSchema = z.enum(EVENT_ACTIONS, {
  error: (issue) => `unknown Veriff event action ${JSON.stringify(issue.input)}; expected one of ${EVENT_ACTIONS.join(', ')}`,
});
export type EventAction = z.infer<typeof eventActionSchema>;

export const EVENT_CODES: Readonly<Record<EventAction, number>> = { started: 7001, submitted: 7002 };

export const eventWebhookSchema = z.looseObject({
  id: z.string().min(1),
  attemptId: z.string().nullish(),
  feature: z.string().nullish(),
  code: z.number().int().nullish(),
  action: eventActionSchema,
  vendorData: z.string().nullish(),
  endUserId: z.string().nullish(),
});
export type EventWebhook = z.infer<typeof eventWebhookSchema>;

// ---------------------------------------------------------------------------------------------
// Other calls
// ---------------------------------------------------------------------------------------------

export const SUBMIT_SESSION_BODY = { verification: { status: 'submitted' } } as const;

export const sessionUpdateRequestSchema = z.object({
  verification: z.object({ status: z.string(), timestamp: z.string().optional() }),
});
export type SessionUpdateRequest = z.infer<typeof sessionUpdateRequestSchema>;

export const sessionUpdateResponseSchema = z.looseObject({
  status: z.literal('success'),
  verification: z.looseObject({ id: z.string().min(1), status: z.string() }),
});
export type SessionUpdateResponse = z.infer<typeof sessionUpdateResponseSchema>;

export const attemptSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  createdTime: z.string(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const attemptsResponseSchema = z.looseObject({
  status: z.literal('success'),
  verifications: z.array(attemptSchema),
});
export type AttemptsResponse = z.infer<typeof attemptsResponseSchema>;

export const mediaUploadRequestSchema = z.object({
  image: z.object({
    context: z.string().min(1),
    // Raw base64 or a data: URI, as Veriff's own examples use both.
    content: z.string().min(1),
    timestamp: z.string().optional(),
  }),
});
export type MediaUploadRequest = z.infer<typeof mediaUploadRequestSchema>;

export const mediaItemSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  context: z.string().nullish(),
  timestamp: z.string().nullish(),
  size: z.number().nullish(),
  mimetype: z.string().nullish(),
  url: z.string().nullish(),
});
export type MediaItem = z.infer<typeof mediaItemSchema>;

export const mediaListResponseSchema = z.looseObject({
  status: z.literal('success'),
  images: z.array(mediaItemSchema),
  videos: z.array(z.looseObject({ id: z.string() })).default([]),
});
export type MediaListResponse = z.infer<typeof mediaListResponseSchema>;

export const pepSanctionMatchSchema = z.looseObject({});

export const personResponseSchema = z.looseObject({
  status: z.literal('success'),
  person: decisionPersonSchema.extend({ pepSanctionMatches: z.array(pepSanctionMatchSchema).default([]) }),
});
export type PersonResponse = z.infer<typeof personResponseSchema>;
export type VeriffPerson = PersonResponse['person'];

// ---------------------------------------------------------------------------------------------
// Webhook classification and deduplication
// ---------------------------------------------------------------------------------------------

export type ClassifiedWebhook =
  | { kind: 'decision'; payload: DecisionWebhook }
  | { kind: 'event'; payload: EventWebhook }
  // `reason` says why (unrecognised shape, or a recognised shape that failed validation) without echoing PII.
  | { kind: 'unknown'; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function classifyWebhook(json: unknown): ClassifiedWebhook {
  if (!isRecord(json)) return { kind: 'unknown', reason: 'payload is not a JSON object' };
  if ('verification' in json) {
    const parsed = decisionWebhookSchema.safeParse(json);
    return parsed.success
      ? { kind: 'decision', payload: parsed.data }
      : { kind: 'unknown', reason: `invalid decision webhook: ${describeIssues(parsed.error)}` };
  }
  if ('action' in json) {
    const parsed = eventWebhookSchema.safeParse(json);
    return parsed.success
      ? { kind: 'event', payload: parsed.data }
      : { kind: 'unknown', reason: `invalid event webhook: ${describeIssues(parsed.error)}` };
  }
  return { kind: 'unknown', reason: 'payload has neither a verification nor an action key' };
}

// Deliveries repeat and arrive out of order, so (session, attempt, status|action) identifies one fact.
export function webhookDedupeKey(sessionId: string, attemptId: string | null | undefined, statusOrAction: string): string {
  return `${sessionId}:${attemptId ?? ''}:${statusOrAction}`;
}

export function dedupeKeyOf(webhook: Exclude<ClassifiedWebhook, { kind: 'unknown' }>): string {
  if (webhook.kind === 'decision') {
    const v = webhook.payload.verification;
    return webhookDedupeKey(v.id, v.attemptId, v.status);
  }
  const e = webhook.payload;
  return webhookDedupeKey(e.id, e.attemptId, e.action);
}

// ---------------------------------------------------------------------------------------------
// Reason codes (verification.reasonCode)
// ---------------------------------------------------------------------------------------------

export interface ReasonCodeInfo {
  readonly status: 'declined' | 'resubmission_requested';
  readonly meaning: string;
}

export const REASON_CODES: Readonly<Record<number, ReasonCodeInfo>> = {
  101: { status: 'declined', meaning: 'physical document not used' },
  102: { status: 'declined', meaning: 'suspected document tampering' },
  103: { status: 'declined', meaning: 'face does not match the document photo' },
  104: { status: 'declined', meaning: 'name entered does not match the document' },
  105: { status: 'declined', meaning: 'suspicious behaviour' },
  106: { status: 'declined', meaning: 'known fraud' },
  108: { status: 'declined', meaning: 'velocity: duplicated end user' },
  109: { status: 'declined', meaning: 'velocity: duplicated device' },
  110: { status: 'declined', meaning: 'velocity: duplicated id' },
  112: { status: 'declined', meaning: 'restricted IP location' },
  201: { status: 'resubmission_requested', meaning: 'video and/or photos missing' },
  202: { status: 'resubmission_requested', meaning: 'face not clearly visible' },
  203: { status: 'resubmission_requested', meaning: 'full document not visible' },
  204: { status: 'resubmission_requested', meaning: 'poor image quality' },
  205: { status: 'resubmission_requested', meaning: 'document damaged' },
  206: { status: 'resubmission_requested', meaning: 'document type not supported' },
  207: { status: 'resubmission_requested', meaning: 'document expired' },
  539: { status: 'declined', meaning: 'resubmission limit exceeded' },
};

export const RESUBMISSION_LIMIT_REASON_CODE = 539;
