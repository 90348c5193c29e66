import { z } from 'zod';
import { type Config } from './config';

// Privacy by design, the rules: what an erasure takes at once and what anti-money-laundering law
// keeps (and until when), the retention policy of each kind of data, and the legal bases named on
// the tombstones. Pure: the workflows and the API read it, the store applies it.

/** Why personal data was erased, or kept: named on every tombstone and audit event. */
export const LEGAL_BASES = {
  /** The customer's right to erasure (GDPR art. 17(1)): what no law obliges us to keep goes at once. */
  erasure: 'gdpr_art_17_1',
  /** The due-diligence record must be kept (GDPR art. 17(3)(b); EU directive 2015/849 art. 40; FATF recommendation 11). */
  amlRecordKeeping: 'aml_record_keeping',
  /** Storage limitation (GDPR art. 5(1)(e)): kept no longer than its purpose needs. */
  retentionPolicy: 'gdpr_art_5_1_e',
  /** The AML retention period ended: what was kept for it goes. */
  amlRetentionEnded: 'aml_retention_ended',
  /**
   * What would tell customers they are suspected is withheld from their own access (GDPR art.
   * 23(1)(d) restrictions, as the national anti-money-laundering laws provide them).
   */
  amlTippingOff: 'aml_tipping_off',
} as const;

export const ERASURE_BASES = ['customer_request', 'account_closure'] as const;
export type ErasureBasis = (typeof ERASURE_BASES)[number];

export const ERASURE_STATUSES = ['accepted', 'erased', 'completed'] as const;

const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** The end of AML retention of a record whose relationship ended at `end` (fractions of years are for tests). */
export function amlRetentionEnd(end: Date, years: number): Date {
  return new Date(end.getTime() + years * YEAR_MS);
}

export function daysBefore(at: Date, days: number): Date {
  return new Date(at.getTime() - days * DAY_MS);
}

// ---------------------------------------------------------------------------------------------
// What an erasure does (the answer to the request, then its tombstone)

const isoDateTime = z.iso.datetime();

export const erasureItemSchema = z.object({
  kind: z.enum(['account', 'verification', 'webhook_bodies', 'review_notes', 'security_log_addresses', 'workflow_histories', 'vendor_sessions']),
  record_id: z.uuid().optional(),
  count: z.number().int().optional(),
  what: z.string(),
  basis: z.string(),
});

export const retainedItemSchema = z.object({
  kind: z.literal('due_diligence_record'),
  record_id: z.uuid(),
  status: z.string().describe('approved, or a status a reviewer decided'),
  until: isoDateTime.describe('When it is erased automatically: KYC_AML_RETENTION_YEARS after the relationship ended'),
  what: z.string(),
  basis: z.string(),
  access: z.string(),
});

export const erasurePlanSchema = z.object({
  erase_now: z.array(erasureItemSchema),
  retained: z.array(retainedItemSchema),
});
export type ErasurePlan = z.infer<typeof erasurePlanSchema>;

/** What the erasure carried out: counts per kind (never personal data). */
export const erasureOutcomeSchema = z.record(z.string(), z.number().int());
export type ErasureOutcome = z.infer<typeof erasureOutcomeSchema>;

export const ERASED_ACCOUNT_FIELDS = 'username, e-mail, password, external identity';
export const ERASED_VERIFICATION_FIELDS = 'names, date of birth, document number and its keyed hash, address, what the vendor read, the vendor session link';
export const RETAINED_RECORD_FIELDS = 'the identity data and document details as submitted and as the vendor read them, the risk assessment, the review decisions and notes';
export const RESTRICTED_ACCESS = 'restricted: not shown to reviewers, not processed; readable by the auditor only, with a logged reason';

// ---------------------------------------------------------------------------------------------
// Restricted data: who may read what an erasure kept under anti-money-laundering rules

/** The personal data other stores hold about customers (PersonalDataHolder in store/privacy.ts), by the name exports give it. */
export const PERSONAL_DATA_KINDS = ['screening_results', 'documents'] as const;
export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

/** The kinds of a restricted customer's data, as each restricted read names them on the privacy audit trail. */
export const RESTRICTED_DATA_KINDS = ['record', 'documents', 'document_checks', 'screening_results', 'review_notes', 'webhook_bodies', 'export'] as const;
export type RestrictedDataKind = (typeof RESTRICTED_DATA_KINDS)[number];

/** The one role that reads restricted data, and only with a reason (a case or request number). */
export const RESTRICTED_DATA_READER_ROLE = 'auditor';
export const ACCESS_REASON_LENGTH = { min: 3, max: 500 } as const;

export type RestrictedReadRefusal = 'not_auditor' | 'reason_required';

/** Why this reader may not read restricted data; null when they may (the read is then logged). */
export function restrictedReadRefusal(reader: { role: string; reason?: string | null | undefined }): RestrictedReadRefusal | null {
  if (reader.role !== RESTRICTED_DATA_READER_ROLE) return 'not_auditor';
  if ((reader.reason?.trim().length ?? 0) < ACCESS_REASON_LENGTH.min) return 'reason_required';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Retention: each kind of data, its period (configuration) and why

export const RETENTION_KINDS = ['webhook_bodies', 'rejected_applications', 'expired_applications', 'session_links', 'security_log', 'delivery_logs', 'unattached_uploads', 'aml_retained', 'erasures_reapplied'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

export interface RetentionPolicy {
  kind: Exclude<RetentionKind, 'aml_retained' | 'erasures_reapplied'>;
  days: number;
}

/** The periods of the kinds configured in days; AML-retained records carry their own end (retain_until). */
export function retentionPolicies(config: Pick<Config, 'KYC_RETENTION_WEBHOOK_BODY_DAYS' | 'KYC_RETENTION_REJECTED_DAYS' | 'KYC_RETENTION_EXPIRED_DAYS' | 'KYC_RETENTION_SESSION_LINK_DAYS' | 'KYC_RETENTION_SECURITY_LOG_DAYS' | 'KYC_RETENTION_DELIVERY_LOG_DAYS' | 'KYC_RETENTION_UNATTACHED_UPLOAD_DAYS'>): RetentionPolicy[] {
  return [
    { kind: 'webhook_bodies', days: config.KYC_RETENTION_WEBHOOK_BODY_DAYS },
    { kind: 'rejected_applications', days: config.KYC_RETENTION_REJECTED_DAYS },
    { kind: 'expired_applications', days: config.KYC_RETENTION_EXPIRED_DAYS },
    { kind: 'session_links', days: config.KYC_RETENTION_SESSION_LINK_DAYS },
    { kind: 'security_log', days: config.KYC_RETENTION_SECURITY_LOG_DAYS },
    { kind: 'delivery_logs', days: config.KYC_RETENTION_DELIVERY_LOG_DAYS },
    { kind: 'unattached_uploads', days: config.KYC_RETENTION_UNATTACHED_UPLOAD_DAYS },
  ];
}

/** Counts of what one retention run removed, per kind. */
export type RetentionCounts = Partial<Record<RetentionKind, number>>;

// ---------------------------------------------------------------------------------------------
// Key rotation

/** What a key ring key still protects: when it is not the current key and all is zero, it can leave KYC_PII_KEYS. */
export interface RingKeyUsage {
  keyId: string;
  current: boolean;
  dataKeys: number;
  serviceKeyCiphertexts: number;
  subscriptionSecrets: number;
  retirable: boolean;
}
