import { z } from 'zod';
import { reviewDecisionSchema, reviewReasonCodeSchema } from './review';
import { SCREENING_SOURCES } from './screening';
import { kycStatusSchema } from './status';

// The closed catalogue of domain events: what the service tells the world, on RabbitMQ
// (`kyc.events`, routing key = type) and to webhook subscribers, as CloudEvents 1.0 whose `data`
// is one of the schemas below. Each is strict: a field that is not declared here (a name, a date
// of birth, a document number, an address) makes the event unpublishable instead of leaking it.
// Data carries ids, statuses, reason codes and times, never PII. Pure: shared by the writers,
// the relay, the AsyncAPI document and the tests.

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });
const countryCode = z.string().regex(/^[A-Z]{2}$/).describe('ISO 3166-1 alpha-2');
// Texts the service itself writes for the customer (never text a person submitted).
const serviceText = z.string().min(1).max(500);

const statusChange = {
  recordId: id.describe('The verification (KYC record)'),
  status: kycStatusSchema.describe('Status the verification entered'),
  reason: serviceText.describe("The service's explanation shown to the customer"),
  nextAction: serviceText.describe('What the customer can do next'),
};

const documentCheckStatus = z.enum(['success', 'fail', 'flag for review']);

const screeningListSchema = z.enum(SCREENING_SOURCES).describe('List source: ofac-sdn (OFAC SDN), un-sc (UN Security Council consolidated list), opensanctions (FollowTheMoney entities, PEPs among them)');
const screeningTrigger = z.enum(['onboarding', 'list_update', 'periodic', 'review']).describe('onboarding: the verification; list_update: a new list version; periodic: the full rescreen; review: a reviewer resolved the hits');

export const eventDataSchemas = {
  KYC_CREATED: z
    .strictObject({
      recordId: id.describe('The new verification'),
      userId: id.describe('The customer account'),
      country: countryCode.describe('Country of residence'),
      documentType: z.string().min(1).max(40).describe('passport, id_card, ...'),
    })
    .describe('A customer started a verification.'),
  KYC_VERIFIED: z.strictObject({ ...statusChange, status: z.literal('approved') }).describe('The verification was approved (automatically or by reviewers).'),
  KYC_REJECTED: z
    .strictObject({ ...statusChange, status: z.literal('rejected'), reasonCode: z.string().min(1).max(60).optional().describe("Vendor or reviewer reason code") })
    .describe('The verification was rejected.'),
  KYC_ROLLBACK: z
    .strictObject({ ...statusChange, status: z.literal('error'), failure: z.string().min(1).max(100).describe('Error type that made the compensation necessary') })
    .describe("The approval was compensated (saga rollback) because the wallet upgrade failed for good."),
  KYC_RESUBMISSION_REQUESTED: z
    .strictObject({ ...statusChange, status: z.literal('resubmission_required') })
    .describe('The customer must submit the verification again (new document or photos).'),
  REVIEW_ASSIGNED: z
    .strictObject({
      taskId: id.describe('The review task'),
      recordId: id,
      assigneeId: id.nullable().describe('The reviewer; null while the task waits unassigned'),
      level: z.enum(['standard', 'senior']),
      dueAt: instant.describe('SLA deadline of the task'),
    })
    .describe('A verification was sent to manual review and assigned.'),
  REVIEW_ESCALATED: z
    .strictObject({ taskId: id, recordId: id, assigneeId: id.nullable().describe('The senior reviewer; null when none is available'), dueAt: instant })
    .describe('A review passed its SLA (or a reviewer escalated it) and went to a senior reviewer.'),
  REVIEW_DECIDED: z
    .strictObject({
      taskId: id,
      recordId: id,
      decision: reviewDecisionSchema,
      reasonCode: reviewReasonCodeSchema.nullable(),
      decidedBy: id.describe('The reviewer who decided'),
      decidedAt: instant,
    })
    .describe('A reviewer decided a review task.'),
  OPS_ALERT: z
    .strictObject({
      alert: z.enum(['review_sla_breached']).describe('Kind of alert'),
      taskId: id,
      recordId: id,
      overdueSince: instant,
    })
    .describe('Operations must act: an escalated review is past its SLA.'),
  SCREENING_HIT: z
    .strictObject({
      recordId: id,
      screeningId: id.describe('The screening run'),
      trigger: screeningTrigger,
      lists: z.array(screeningListSchema).min(1).describe('Lists with a potential match'),
      matchCount: z.number().int().positive().describe('Matches no clearance covers'),
      topScore: z.number().min(0).max(1).describe('Best match score, 0..1 (SCREENING_MATCH_THRESHOLD and above is a match)'),
      screenedAt: instant,
    })
    .describe('Sanctions/PEP screening found potential matches (the matched entries are in the case file, not here).'),
  SCREENING_CLEARED: z
    .strictObject({
      recordId: id,
      screeningId: id.describe('The screening run (for a reviewer clearing: the run that found the hits)'),
      trigger: screeningTrigger,
      lists: z.array(screeningListSchema).describe('Lists checked (empty when no list version was in force)'),
      screenedAt: instant.describe('When the screening ran, or when the reviewer cleared the last hit'),
    })
    .describe('Sanctions/PEP screening of a verification found no match, or a reviewer cleared every potential match as a false positive.'),
  DOCUMENT_CHECKED: z
    .strictObject({
      recordId: id,
      checkId: id.describe('The document check'),
      verdict: z.enum(['pass', 'fail', 'review']).describe("The engine's decision: accept is pass, deny is fail, flag for review is review"),
      retake: z.boolean().describe('The photo could not be read: the customer is asked for a new one (the verification asks for a resubmission)'),
      checks: z
        .strictObject({ ocr: documentCheckStatus, metadata: documentCheckStatus, image_integrity: documentCheckStatus })
        .describe('The status of each check'),
      reasonCodes: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{1,59}$/)).describe('Failed or doubtful findings, e.g. MRZ_CHECK_FAILED, EDITING_SOFTWARE, REGION_TAMPERED'),
      checkedAt: instant,
    })
    .describe('The document engine checked a document (OCR, machine-readable zone, metadata, error level analysis).'),
} as const;

export type EventType = keyof typeof eventDataSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];
export const eventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

/** CloudEvents `source` of each type: the part of the service that emits it. */
export const EVENT_SOURCES: Record<EventType, string> = {
  KYC_CREATED: '/kyc/records',
  KYC_VERIFIED: '/kyc/records',
  KYC_REJECTED: '/kyc/records',
  KYC_ROLLBACK: '/kyc/records',
  KYC_RESUBMISSION_REQUESTED: '/kyc/records',
  REVIEW_ASSIGNED: '/kyc/reviews',
  REVIEW_ESCALATED: '/kyc/reviews',
  REVIEW_DECIDED: '/kyc/reviews',
  OPS_ALERT: '/kyc/reviews',
  SCREENING_HIT: '/kyc/screening',
  SCREENING_CLEARED: '/kyc/screening',
  DOCUMENT_CHECKED: '/kyc/documents',
};

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventDataSchemas, type);
}

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/**
 * The CloudEvents 1.0 envelope (structured mode) every event travels in. `id` is the outbox row
 * id: a redelivered event keeps it, so consumers deduplicate on it. `subject` is the verification
 * (record id); `subjectseq` numbers the events of one subject from 1 without gaps, so a consumer
 * can put them in order and see one missing.
 */
export const cloudEventEnvelopeShape = {
  specversion: z.literal('1.0'),
  id: id.describe('Outbox row id; the same on every redelivery: deduplicate on it'),
  source: z.string().min(1).describe('URI reference of the emitting part of the service'),
  type: eventTypeSchema,
  subject: id.describe('The verification (KYC record) the event is about'),
  subjectseq: z.number().int().positive().describe('Position of this event among the events of its subject: 1, 2, 3, ... without gaps'),
  time: instant.describe('When the change happened (written in the same transaction)'),
  datacontenttype: z.literal('application/json'),
};

export function cloudEventSchema<T extends EventType>(type: T) {
  return z.strictObject({ ...cloudEventEnvelopeShape, type: z.literal(type), data: eventDataSchemas[type] }).describe(eventDataSchemas[type].description ?? type);
}

export type KycCloudEvent = z.infer<z.ZodObject<typeof cloudEventEnvelopeShape>> & { data: unknown };

export class EventCatalogueError extends Error {}

/** Checks data against the catalogue; the error names the fields and rules, never their values. */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T> {
  const parsed = eventDataSchemas[type].safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.code}${issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(',')}` : ''}`);
    throw new EventCatalogueError(`${type} data does not match the catalogue (${problems.join('; ')})`);
  }
  return parsed.data as EventData<T>;
}
