import { z } from 'zod';

// Sanctions and PEP screening in words the rest of the service shares: the list sources and entry
// kinds the engine (screening/) knows, what a reviewer may decide about a hit, the rule that keeps
// an approval from passing over an unresolved hit, and whom to screen under which identities.
// Pure: the API, the review rules, the activities and the web pages all read it.

// The sanctions and PEP list sources the screening engine (screening/) can load, by name.
export const SCREENING_SOURCES = ['ofac-sdn', 'un-sc', 'opensanctions'] as const;
export type ScreeningSource = (typeof SCREENING_SOURCES)[number];

export function isScreeningSource(value: string): value is ScreeningSource {
  return (SCREENING_SOURCES as readonly string[]).includes(value);
}

// sanction: on a sanctions list; pep: politically exposed person; rca: relative or close associate
// of a PEP; crime: wanted or convicted; other: any other topic a FollowTheMoney dataset carries.
export const ENTRY_KINDS = ['sanction', 'pep', 'rca', 'crime', 'other'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Which risk rule a match of each kind raises: PEPs and their associates one, every other listing the other. */
export function riskCodeOfKind(kind: EntryKind): 'SANCTIONS_HIT' | 'PEP_HIT' {
  return kind === 'pep' || kind === 'rca' ? 'PEP_HIT' : 'SANCTIONS_HIT';
}

// What a reviewer decides about one hit on a case.
export const hitResolutionSchema = z.enum(['false_positive', 'true_match']);
export type HitResolution = z.infer<typeof hitResolutionSchema>;

export const CASE_HIT_STATUSES = ['open', ...hitResolutionSchema.options] as const;
export type CaseHitStatus = (typeof CASE_HIT_STATUSES)[number];

export function isCaseHitStatus(value: string): value is CaseHitStatus {
  return (CASE_HIT_STATUSES as readonly string[]).includes(value);
}

/**
 * Why a case with these hits may not be approved, or null when it may: every hit must be resolved
 * first, and a hit confirmed as this customer can only end in a rejection.
 */
export function screeningApprovalRefusal(hits: readonly { status: CaseHitStatus }[]): string | null {
  const open = hits.filter((h) => h.status === 'open').length;
  if (open > 0) return `${open} sanctions or PEP list ${open === 1 ? 'hit is' : 'hits are'} not resolved yet: resolve every hit as a false positive or a true match before approving`;
  if (hits.some((h) => h.status === 'true_match')) return 'A list hit on this case was confirmed as a true match: the case can only be rejected';
  return null;
}

// The decisions of a review opened by ongoing screening on an approved customer: the customer
// keeps the verification (approve, once every hit is cleared) or loses it (reject); asking a
// verified customer to resubmit is not one of them.
export const SCREENING_REVIEW_DECISIONS: readonly ('approve' | 'reject' | 'escalate')[] = ['approve', 'reject', 'escalate'];

/** A person as a screening query sees them (the shape of the engine's PersonQuery). */
export interface ScreeningIdentity {
  names: string[];
  dateOfBirth?: string;
  countries?: string[];
}

/** What is known of a customer: what they submitted, and what the identity vendor read from the document. */
export interface KnownIdentity {
  submitted: { firstName: string; lastName: string; dateOfBirth: string; nationality: string; country: string };
  extracted: { firstName?: string | null; lastName?: string | null; dateOfBirth?: string | null; nationality?: string | null } | null;
}

const fullName = (first: string | null | undefined, last: string | null | undefined) => [first, last].map((part) => part?.trim() ?? '').filter(Boolean).join(' ');
const isCountry = (value: string | null | undefined): value is string => typeof value === 'string' && /^[A-Z]{2}$/.test(value.trim().toUpperCase());
const isDate = (value: string | null | undefined): value is string => typeof value === 'string' && /^\d{4}(-\d{2}-\d{2})?/.test(value);

/**
 * The identities to screen a customer under: as submitted, and as the vendor read the document
 * when that differs (another name, another date of birth). Both carry every country known of the
 * customer (nationality, residence, the nationality on the document).
 */
export function screeningIdentitiesOf(person: KnownIdentity): ScreeningIdentity[] {
  const { submitted, extracted } = person;
  const countries = [...new Set([submitted.nationality, submitted.country, extracted?.nationality].filter(isCountry).map((c) => c.trim().toUpperCase()))];
  const submittedName = fullName(submitted.firstName, submitted.lastName);
  const identities: ScreeningIdentity[] = [{ names: [submittedName], dateOfBirth: submitted.dateOfBirth, countries }];
  if (!extracted) return identities;
  const readName = fullName(extracted.firstName, extracted.lastName);
  const readDate = isDate(extracted.dateOfBirth) ? extracted.dateOfBirth.slice(0, 10) : null;
  const otherName = readName !== '' && readName.toLowerCase() !== submittedName.toLowerCase();
  const otherDate = readDate !== null && readDate !== submitted.dateOfBirth;
  if (otherDate) identities.push({ names: [readName || submittedName], dateOfBirth: readDate, countries });
  else if (otherName) identities[0]!.names.push(readName);
  return identities;
}
