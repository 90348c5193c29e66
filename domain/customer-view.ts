import { type ERASURE_STATUSES, LEGAL_BASES, type PersonalDataKind } from './privacy';

// What a customer is shown of their own data. Of a verification's audit trail: its status changes
// (with the customer-facing reason each carries) and what they did themselves; risk assessments,
// review assignments, reviewer identities and vendor codes are for staff (who see the whole trail).
//
// Of their subject access export: what they provided and what was decided, in the neutral words
// the status views use. Anti-money-laundering law forbids telling a customer they are suspected
// (tipping off), so internal assessments, screening results, staff notes and reasons, review
// reason codes and fraud indicators are withheld, and the export names each withheld category and
// its legal basis. The categories are always all listed, whether or not such data exists: a list
// that changed with the data would tell what it withholds. The auditor's export keeps everything.
// The view is built field by field from what may be shown: a field added to the full export stays
// out of the customer's until it is added here.

export interface TimelineEvent {
  toStatus: string | null;
  actorType: string;
}

export function isCustomerVisibleEvent(event: TimelineEvent): boolean {
  return event.toStatus !== null || event.actorType === 'customer';
}

/** The restriction of the right of access that AML law provides, with the national provisions. */
export const TIPPING_OFF_PROVISIONS =
  'GDPR art. 23(1)(d) (restriction of the right of access for the prevention, investigation and detection of criminal offences) as provided by the anti-money-laundering laws: EU Directive 2015/849 art. 39 and art. 41(4); UK Proceeds of Crime Act 2002 s.333A with Data Protection Act 2018 sch. 2 para. 2; US 31 CFR 1020.320(e)';

export const WITHHELD_CATEGORIES = ['risk_assessment', 'screening_results', 'staff_notes', 'review_details', 'fraud_indicators', 'internal_records'] as const;
export type WithheldCategory = (typeof WITHHELD_CATEGORIES)[number];

const WITHHELD_WHAT: Record<WithheldCategory, string> = {
  risk_assessment: 'internal risk assessments: scores and the reasons behind them',
  screening_results: 'sanctions and politically exposed person screening: the lists and entries compared, scores and how each was resolved',
  staff_notes: "staff notes and written reasons (reviewers' notes, the reasons given when a screening result was resolved)",
  review_details: "the individual review decisions and their internal reason codes (the outcome is given as the verification's status and reason)",
  fraud_indicators: "fraud indicators: the identity vendor's reason codes and risk labels, the document check's findings, checks against other accounts",
  internal_records: "internal entries of the audit trail (assessments, assignments, screening, staff access) and the identity vendor's messages as received (what it read of your document is given)",
};

export interface WithheldItem {
  category: WithheldCategory;
  what: string;
  basis: typeof LEGAL_BASES.amlTippingOff;
  provisions: string;
}

export const WITHHELD_FROM_CUSTOMER: readonly WithheldItem[] = WITHHELD_CATEGORIES.map((category) => ({ category, what: WITHHELD_WHAT[category], basis: LEGAL_BASES.amlTippingOff, provisions: TIPPING_OFF_PROVISIONS }));

/** The parts of the full export the customer's view is built from (the store's export has these and more). */
export interface FullSubjectExport {
  generated_at: string;
  subject: { user_id: string; username: string | null; email: string | null; role: string; created_at: string; erased_at: string | null };
  wallet: { type: string; daily_limit: string; monthly_limit: string; upgraded_at: string | null } | null;
  verifications: readonly FullVerificationExport[];
  other_data: readonly { kind: PersonalDataKind; items: unknown }[];
  erasure_requests: readonly { id: string; basis: string; status: (typeof ERASURE_STATUSES)[number]; requested_at: string; erased_at: string | null; completed_at: string | null }[];
}

export interface FullVerificationExport {
  id: string;
  status: string;
  reason: string | null;
  next_action: string | null;
  created_at: string;
  verified_at: string | null;
  attempts: number;
  country: string;
  nationality: string;
  document_type: string;
  personal_data: 'held' | 'restricted' | 'erased';
  retained_until: string | null;
  submitted: Record<string, unknown> | null;
  extracted_by_vendor: unknown;
  events: readonly { type: string; from_status: string | null; to_status: string | null; actor: string; reason: string | null; at: string }[];
}

// Of what the vendor read (stored as { identity, document, riskLabels }): the identity and the document.
const EXTRACTED_SHOWN = ['identity', 'document'] as const;
// Of a stored document: what it is, never the check's findings.
const DOCUMENT_SHOWN = ['id', 'recordId', 'attempt', 'kind', 'source', 'contentType', 'byteSize', 'width', 'height', 'createdAt'] as const;

const pick = (value: unknown, keys: readonly string[]): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(keys.filter((key) => key in value).map((key) => [key, (value as Record<string, unknown>)[key]])) : null;

// Each holder's data, as the customer sees it: null withholds it all. A new holder kind must say.
const HOLDER_VIEW: Record<PersonalDataKind, (items: unknown) => unknown[] | null> = {
  documents: (items) => (Array.isArray(items) ? items.map((item) => pick(item, DOCUMENT_SHOWN)) : []),
  screening_results: () => null,
};

function verificationView(v: FullVerificationExport) {
  return {
    id: v.id,
    status: v.status,
    reason: v.reason,
    next_action: v.next_action,
    created_at: v.created_at,
    verified_at: v.verified_at,
    attempts: v.attempts,
    country: v.country,
    nationality: v.nationality,
    document_type: v.document_type,
    personal_data: v.personal_data,
    retained_until: v.retained_until,
    submitted: v.submitted,
    extracted_by_vendor: pick(v.extracted_by_vendor, EXTRACTED_SHOWN),
    events: v.events
      .filter((e) => isCustomerVisibleEvent({ toStatus: e.to_status, actorType: e.actor }))
      .map((e) => ({ type: e.type, from_status: e.from_status, to_status: e.to_status, actor: e.actor, reason: e.reason, at: e.at })),
  };
}

/** The customer's own export: what they provided and what was decided; what is withheld, named with its legal basis. */
export function customerExportView(full: FullSubjectExport) {
  return {
    generated_at: full.generated_at,
    subject: { user_id: full.subject.user_id, username: full.subject.username, email: full.subject.email, role: full.subject.role, created_at: full.subject.created_at, erased_at: full.subject.erased_at },
    wallet: full.wallet && { type: full.wallet.type, daily_limit: full.wallet.daily_limit, monthly_limit: full.wallet.monthly_limit, upgraded_at: full.wallet.upgraded_at },
    verifications: full.verifications.map(verificationView),
    other_data: full.other_data.flatMap(({ kind, items }) => {
      const shown = HOLDER_VIEW[kind](items);
      return shown ? [{ kind, items: shown }] : [];
    }),
    erasure_requests: full.erasure_requests.map((e) => ({ id: e.id, basis: e.basis, status: e.status, requested_at: e.requested_at, erased_at: e.erased_at, completed_at: e.completed_at })),
    withheld: WITHHELD_FROM_CUSTOMER.map((item) => ({ ...item })),
  };
}
