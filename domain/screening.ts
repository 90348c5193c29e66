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

/** What the approval rule knows of a case's screening: its case hits and whether the lists it needs were in force. */
export interface ScreeningForApproval {
  hits: readonly { status: CaseHitStatus }[];
  /** The required lists that were missing or out of date when the case was last screened (empty: complete). */
  gaps: readonly ListGap[];
}

/**
 * Why a case with this screening may not be approved, or null when it may: every required list
 * must have been in force, every hit must be resolved first, and a hit confirmed as this customer
 * can only end in a rejection.
 */
export function screeningApprovalRefusal({ hits, gaps }: ScreeningForApproval): string | null {
  if (gaps.length > 0) return `The screening is incomplete: ${describeGaps(gaps)}. The case can be approved once the lists are in force again (approving screens the customer again then)`;
  const open = hits.filter((h) => h.status === 'open').length;
  if (open > 0) return `${open} sanctions or PEP list ${open === 1 ? 'hit is' : 'hits are'} not resolved yet: resolve every hit as a false positive or a true match before approving`;
  if (hits.some((h) => h.status === 'true_match')) return 'A list hit on this case was confirmed as a true match: the case can only be rejected';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Fail closed: the lists a screening needs, and how old they may be

/** A required list that is not in force (never loaded) or out of date (no successful refresh within its maximum age). */
export interface ListGap {
  source: ScreeningSource;
  problem: 'not_loaded' | 'stale';
  /** When the version in force was last confirmed current (loaded, or found unchanged by a refresh). */
  checkedAt: string | null;
  maxAgeHours: number | null;
}

/**
 * The required sources that a screening now would miss: those with no version in force, and
 * those whose version in force was last confirmed longer ago than their maximum age allows.
 */
export function listGaps(input: {
  inForce: readonly { source: string; checkedAt: Date }[];
  required: readonly ScreeningSource[];
  maxAgeHours: Partial<Record<ScreeningSource, number>>;
  now: Date;
}): ListGap[] {
  const gaps: ListGap[] = [];
  for (const source of input.required) {
    const maxAgeHours = input.maxAgeHours[source] ?? null;
    const version = input.inForce.filter((v) => v.source === source).sort((a, b) => b.checkedAt.getTime() - a.checkedAt.getTime())[0];
    if (!version) gaps.push({ source, problem: 'not_loaded', checkedAt: null, maxAgeHours });
    else if (maxAgeHours !== null && input.now.getTime() - version.checkedAt.getTime() > maxAgeHours * 3_600_000) gaps.push({ source, problem: 'stale', checkedAt: version.checkedAt.toISOString(), maxAgeHours });
  }
  return gaps;
}

export function describeGaps(gaps: readonly ListGap[]): string {
  return gaps
    .map((gap) => (gap.problem === 'not_loaded' ? `the ${gap.source} list is not loaded` : `the ${gap.source} list was last refreshed ${gap.checkedAt} (more than ${gap.maxAgeHours} hours ago)`))
    .join('; ');
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

/**
 * The identities screened, in one canonical text: names as the name rule compares them (accents,
 * case, punctuation and order of the names ignored), birth dates, countries. A clearance is
 * bound to its keyed hash (store/screening.ts): the same person screened again keeps it, another
 * name, birth date or nationality is screened afresh.
 */
export function canonicalIdentity(identities: readonly ScreeningIdentity[]): string {
  const normalise = (name: string) => name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const canonical = identities
    .map((identity) => ({
      names: [...new Set(identity.names.map(normalise).filter(Boolean))].sort(),
      dateOfBirth: identity.dateOfBirth ?? null,
      countries: [...new Set((identity.countries ?? []).map((c) => c.trim().toUpperCase()))].sort(),
    }))
    .map((identity) => JSON.stringify(identity))
    .sort();
  return `screening-identity:v1\n${[...new Set(canonical)].join('\n')}`;
}
