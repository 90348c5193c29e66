import { describeGaps, type ListGap } from './screening';

// Risk assessment after the vendor's decision: a score 0-100 and the reasons behind it, among them
// the sanctions and PEP screening of the applicant (activities/risk.ts screens, this counts). A
// case goes to a human when the score is above the threshold or any hard indicator is present (the
// manual-review triggers: high risk, inconsistent data, document issues, fraud indicators), and
// approving it takes two reviewers (four eyes) when it is high-risk: a score above the threshold
// or a fraud indicator.

export type RiskCode =
  | 'NAME_MISMATCH'
  | 'DOB_MISMATCH'
  | 'DOCUMENT_NUMBER_MISMATCH'
  | 'DUPLICATE_DOCUMENT'
  | 'VENDOR_RISK_LABEL'
  | 'HIGH_RISK_COUNTRY'
  | 'VENDOR_REVIEW'
  | 'SANCTIONS_HIT'
  | 'PEP_HIT'
  | 'PRIOR_LIST_HIT'
  | 'SCREENING_INCOMPLETE';

export interface RiskReason {
  code: RiskCode;
  weight: number;
  hard: boolean;
  detail: string;
}

export interface RiskAssessment {
  score: number;
  reasons: RiskReason[];
  /** Score above the threshold or a hard indicator: a human decides. */
  needsReview: boolean;
  /** Score above the threshold or a fraud indicator: approving takes two different reviewers. */
  needsFourEyes: boolean;
}

interface RiskRule {
  weight: number;
  /** A hard indicator sends the case to a reviewer whatever the score. */
  hard: boolean;
  /** A fraud indicator: approving the case takes two reviewers whatever the score. */
  fourEyes: boolean;
  describe: string;
}

// The rules and their weights, in one table (docs/reference/risk-rules.md is generated from it).
export const RISK_RULES: Record<RiskCode, RiskRule> = {
  NAME_MISMATCH: { weight: 40, hard: true, fourEyes: false, describe: 'submitted name differs from the name the vendor read on the document' },
  DOB_MISMATCH: { weight: 40, hard: true, fourEyes: false, describe: 'submitted date of birth differs from the document' },
  DOCUMENT_NUMBER_MISMATCH: { weight: 40, hard: true, fourEyes: false, describe: 'submitted document number differs from the document' },
  DUPLICATE_DOCUMENT: { weight: 50, hard: true, fourEyes: true, describe: 'the same document number is on another customer’s record' },
  VENDOR_RISK_LABEL: { weight: 25, hard: false, fourEyes: true, describe: 'the vendor attached a fraud-risk label (each label; at most 50 in all)' },
  HIGH_RISK_COUNTRY: { weight: 35, hard: false, fourEyes: false, describe: 'country of residence or nationality is on the high-risk list' },
  VENDOR_REVIEW: { weight: 30, hard: true, fourEyes: false, describe: 'the vendor itself asked for a manual review' },
  SANCTIONS_HIT: { weight: 60, hard: true, fourEyes: true, describe: 'the applicant matches an entry of a sanctions or watch list that no clearance covers' },
  PEP_HIT: { weight: 40, hard: true, fourEyes: true, describe: 'the applicant matches a politically exposed person (or a close associate) that no clearance covers' },
  // An earlier screening of the customer (an earlier attempt, an earlier verification, a
  // rescreen) matched a list entry, cleared since or not: people decide, never the rules alone.
  PRIOR_LIST_HIT: { weight: 20, hard: true, fourEyes: true, describe: 'an earlier screening of this customer matched a sanctions or PEP list entry (cleared or not)' },
  // Fail closed: a required list was not loaded or out of date, so the screening proves nothing.
  SCREENING_INCOMPLETE: { weight: 10, hard: true, fourEyes: false, describe: 'a required sanctions list was not in force or out of date when the applicant was screened; the case waits until the lists are back' },
};

const VENDOR_LABEL_CAP = 50;

/** What the vendor read from the document, whichever vendor it was. */
export interface ExtractedIdentity {
  firstName?: string | null;
  lastName?: string | null;
  dateOfBirth?: string | null;
  documentNumber?: string | null;
  /** Nationality on the document (ISO 3166-1 alpha-2), when the vendor reads it. */
  nationality?: string | null;
}

export interface RiskInput {
  submitted: { firstName: string; lastName: string; dateOfBirth: string; documentNumber: string; country: string; nationality: string };
  extracted: ExtractedIdentity | null;
  vendorAskedForReview: boolean;
  vendorRiskLabels: readonly string[];
  duplicateDocumentOnOtherCustomers: number;
  /** Sanctions and PEP list matches at or above the threshold that no clearance covers, by rule. */
  listMatches: { sanctions: number; pep: number };
  /** Matches of earlier screenings of the customer (any verification, any attempt, cleared or not). */
  priorListHits: number;
  /** The required lists missing or out of date at this screening (domain/screening.ts listGaps). */
  screeningGaps: readonly ListGap[];
  highRiskCountries: readonly string[];
  reviewThreshold: number;
}

// Accents, case, punctuation and spacing do not make a mismatch; different letters do.
export function normaliseName(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}]+/gu, ' ')
    .trim();
}

const normaliseDocument = (value: string) => value.toUpperCase().replace(/[^A-Z0-9]/g, '');

function reason(code: RiskCode, detail: string, weight = RISK_RULES[code].weight): RiskReason {
  return { code, weight, hard: RISK_RULES[code].hard, detail };
}

export function assessRisk(input: RiskInput): RiskAssessment {
  const reasons: RiskReason[] = [];
  const extracted = input.extracted ?? {};

  const names = [
    [input.submitted.firstName, extracted.firstName],
    [input.submitted.lastName, extracted.lastName],
  ] as const;
  if (names.some(([mine, theirs]) => theirs && normaliseName(mine) !== normaliseName(theirs))) {
    reasons.push(reason('NAME_MISMATCH', RISK_RULES.NAME_MISMATCH.describe));
  }
  if (extracted.dateOfBirth && extracted.dateOfBirth.slice(0, 10) !== input.submitted.dateOfBirth) {
    reasons.push(reason('DOB_MISMATCH', RISK_RULES.DOB_MISMATCH.describe));
  }
  const extractedNumber = extracted.documentNumber;
  if (extractedNumber && normaliseDocument(extractedNumber) !== normaliseDocument(input.submitted.documentNumber)) {
    reasons.push(reason('DOCUMENT_NUMBER_MISMATCH', RISK_RULES.DOCUMENT_NUMBER_MISMATCH.describe));
  }
  if (input.duplicateDocumentOnOtherCustomers > 0) {
    reasons.push(reason('DUPLICATE_DOCUMENT', `${RISK_RULES.DUPLICATE_DOCUMENT.describe} (${input.duplicateDocumentOnOtherCustomers})`));
  }
  if (input.vendorRiskLabels.length > 0) {
    const labels = input.vendorRiskLabels.join(', ');
    reasons.push(reason('VENDOR_RISK_LABEL', `Vendor risk labels: ${labels}`, Math.min(VENDOR_LABEL_CAP, RISK_RULES.VENDOR_RISK_LABEL.weight * input.vendorRiskLabels.length)));
  }
  const risky = [input.submitted.country, input.submitted.nationality].filter((c) => input.highRiskCountries.includes(c));
  if (risky.length > 0) {
    reasons.push(reason('HIGH_RISK_COUNTRY', `${RISK_RULES.HIGH_RISK_COUNTRY.describe}: ${[...new Set(risky)].join(', ')}`));
  }
  if (input.vendorAskedForReview) reasons.push(reason('VENDOR_REVIEW', RISK_RULES.VENDOR_REVIEW.describe));
  // The matched entries are in the case file; the reason only counts them.
  if (input.listMatches.sanctions > 0) reasons.push(reason('SANCTIONS_HIT', `${RISK_RULES.SANCTIONS_HIT.describe} (${input.listMatches.sanctions})`));
  if (input.listMatches.pep > 0) reasons.push(reason('PEP_HIT', `${RISK_RULES.PEP_HIT.describe} (${input.listMatches.pep})`));
  if (input.priorListHits > 0) reasons.push(reason('PRIOR_LIST_HIT', RISK_RULES.PRIOR_LIST_HIT.describe));
  if (input.screeningGaps.length > 0) reasons.push(reason('SCREENING_INCOMPLETE', `${RISK_RULES.SCREENING_INCOMPLETE.describe}: ${describeGaps(input.screeningGaps)}`));

  const score = Math.min(100, reasons.reduce((sum, r) => sum + r.weight, 0));
  const highRisk = score > input.reviewThreshold;
  return {
    score,
    reasons,
    needsReview: highRisk || reasons.some((r) => r.hard),
    needsFourEyes: highRisk || reasons.some((r) => RISK_RULES[r.code].fourEyes),
  };
}
