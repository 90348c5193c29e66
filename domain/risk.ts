import { type DecisionDocument, type DecisionPerson, type RiskLabel } from '../vendors/veriff/contract';

// Risk assessment after Veriff's decision: a score 0-100 and the reasons behind it. A case goes
// to a human when the score is above the threshold or any hard indicator is present (seed 000's
// manual-review triggers: high risk, inconsistent data, document issues, fraud indicators).

export type RiskCode =
  | 'NAME_MISMATCH'
  | 'DOB_MISMATCH'
  | 'DOCUMENT_NUMBER_MISMATCH'
  | 'DUPLICATE_DOCUMENT'
  | 'VENDOR_RISK_LABEL'
  | 'HIGH_RISK_COUNTRY'
  | 'VENDOR_REVIEW';

export interface RiskReason {
  code: RiskCode;
  weight: number;
  hard: boolean;
  detail: string;
}

export interface RiskAssessment {
  score: number;
  reasons: RiskReason[];
  // Score above the threshold or a hard indicator: a human decides, and approving takes two of them.
  needsReview: boolean;
}

// The rules and their weights, in one table (README lists them).
export const RISK_RULES: Record<RiskCode, { weight: number; hard: boolean; describe: string }> = {
  NAME_MISMATCH: { weight: 40, hard: true, describe: 'submitted name differs from the name Veriff read on the document' },
  DOB_MISMATCH: { weight: 40, hard: true, describe: 'submitted date of birth differs from the document' },
  DOCUMENT_NUMBER_MISMATCH: { weight: 40, hard: true, describe: 'submitted document number differs from the document' },
  DUPLICATE_DOCUMENT: { weight: 50, hard: true, describe: 'the same document number is on another customer’s record' },
  VENDOR_RISK_LABEL: { weight: 25, hard: false, describe: 'Veriff attached a risk label (each label; at most 50 in all)' },
  HIGH_RISK_COUNTRY: { weight: 35, hard: false, describe: 'country of residence or nationality is on the high-risk list' },
  VENDOR_REVIEW: { weight: 30, hard: true, describe: 'Veriff itself asked for a manual review' },
};

const VENDOR_LABEL_CAP = 50;

export interface RiskInput {
  submitted: { firstName: string; lastName: string; dateOfBirth: string; documentNumber: string; country: string; nationality: string };
  extracted: { person?: DecisionPerson | null; document?: DecisionDocument | null };
  vendorStatus: string;
  riskLabels: readonly RiskLabel[];
  duplicateDocumentOnOtherCustomers: number;
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
  const person = input.extracted.person ?? {};
  const document = input.extracted.document ?? {};

  const names = [
    [input.submitted.firstName, person.firstName],
    [input.submitted.lastName, person.lastName],
  ] as const;
  if (names.some(([mine, theirs]) => theirs && normaliseName(mine) !== normaliseName(theirs))) {
    reasons.push(reason('NAME_MISMATCH', RISK_RULES.NAME_MISMATCH.describe));
  }
  if (person.dateOfBirth && person.dateOfBirth.slice(0, 10) !== input.submitted.dateOfBirth) {
    reasons.push(reason('DOB_MISMATCH', RISK_RULES.DOB_MISMATCH.describe));
  }
  const extractedNumber = document.number ?? person.idNumber;
  if (extractedNumber && normaliseDocument(extractedNumber) !== normaliseDocument(input.submitted.documentNumber)) {
    reasons.push(reason('DOCUMENT_NUMBER_MISMATCH', RISK_RULES.DOCUMENT_NUMBER_MISMATCH.describe));
  }
  if (input.duplicateDocumentOnOtherCustomers > 0) {
    reasons.push(reason('DUPLICATE_DOCUMENT', `${RISK_RULES.DUPLICATE_DOCUMENT.describe} (${input.duplicateDocumentOnOtherCustomers})`));
  }
  if (input.riskLabels.length > 0) {
    const labels = input.riskLabels.map((l) => l.label).join(', ');
    reasons.push(reason('VENDOR_RISK_LABEL', `Veriff risk labels: ${labels}`, Math.min(VENDOR_LABEL_CAP, RISK_RULES.VENDOR_RISK_LABEL.weight * input.riskLabels.length)));
  }
  const risky = [input.submitted.country, input.submitted.nationality].filter((c) => input.highRiskCountries.includes(c));
  if (risky.length > 0) {
    reasons.push(reason('HIGH_RISK_COUNTRY', `${RISK_RULES.HIGH_RISK_COUNTRY.describe}: ${[...new Set(risky)].join(', ')}`));
  }
  if (input.vendorStatus === 'review') reasons.push(reason('VENDOR_REVIEW', RISK_RULES.VENDOR_REVIEW.describe));

  const score = Math.min(100, reasons.reduce((sum, r) => sum + r.weight, 0));
  const hard = reasons.some((r) => r.hard);
  const highRisk = score > input.reviewThreshold;
  return { score, reasons, needsReview: highRisk || hard };
}
