// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assessRisk, normaliseName, RISK_RULES, type RiskInput } from '../../domain/risk';

const base: RiskInput = {
  submitted: { firstName: 'John', lastName: 'Doe', dateOfBirth: '1990-01-01', documentNumber: 'BP123456789', country: 'BW', nationality: 'BW' },
  extracted: { firstName: 'JOHN', lastName: 'Doe', dateOfBirth: '1990-01-01', documentNumber: 'BP 123456789' },
  vendorAskedForReview: false,
  vendorRiskLabels: [],
  duplicateDocumentOnOtherCustomers: 0,
  listMatches: { sanctions: 0, pep: 0 },
  priorListHits: 0,
  screeningGaps: [],
  highRiskCountries: ['KP', 'IR'],
  reviewThreshold: 80,
};
const codes = (input: RiskInput) => assessRisk(input).reasons.map((r) => r.code);

describe('risk assessment', () => {
  test('when everything matches, then the score is 0 and no review is needed', () => {
    assert.deepEqual(assessRisk(base), { score: 0, reasons: [], needsReview: false, needsFourEyes: false });
  });

  test('when names differ only in case, accents or spacing, then they match', () => {
    assert.equal(normaliseName('  José-María '), normaliseName('JOSE MARIA'));
    assert.deepEqual(codes({ ...base, extracted: { ...base.extracted, firstName: 'Jóhn', lastName: 'DOE' } }), []);
  });

  test('when the name, date of birth or document number differ, then each is a hard indicator, and the capped score needs four eyes', () => {
    const mismatch = assessRisk({ ...base, extracted: { firstName: 'Jon', lastName: 'Doe', dateOfBirth: '1991-01-01', documentNumber: 'BP999' } });
    assert.deepEqual(mismatch.reasons.map((r) => r.code), ['NAME_MISMATCH', 'DOB_MISMATCH', 'DOCUMENT_NUMBER_MISMATCH']);
    assert.equal(mismatch.score, 100, 'capped at 100');
    assert.ok(mismatch.needsReview);
    assert.ok(mismatch.needsFourEyes, 'a score above the threshold is high risk');
  });

  test('when only the name differs, then one reviewer decides (a hard indicator, but no fraud signal and a low score)', () => {
    const r = assessRisk({ ...base, extracted: { ...base.extracted, firstName: 'Jon' } });
    assert.deepEqual([r.score, r.needsReview, r.needsFourEyes], [40, true, false]);
  });

  test('when the vendor extracted nothing, then nothing is counted as a mismatch', () => {
    assert.deepEqual(codes({ ...base, extracted: null }), []);
    assert.deepEqual(codes({ ...base, extracted: { firstName: null, documentNumber: null } }), []);
  });

  test('when the document is on another customer record, then DUPLICATE_DOCUMENT forces review with four eyes', () => {
    const r = assessRisk({ ...base, duplicateDocumentOnOtherCustomers: 2 });
    assert.deepEqual(r.reasons.map((x) => [x.code, x.weight, x.hard]), [['DUPLICATE_DOCUMENT', 50, true]]);
    assert.equal(r.needsReview, true);
    assert.equal(r.needsFourEyes, true);
  });

  test('when the vendor attaches risk labels, then each adds 25 up to 50, without forcing review on its own, but a reviewed case needs four eyes', () => {
    const one = assessRisk({ ...base, vendorRiskLabels: ['document_integration_level_crosslinked_with_fraud'] });
    assert.equal(one.score, 25);
    assert.equal(one.needsReview, false);
    assert.equal(one.needsFourEyes, true);
    const three = assessRisk({ ...base, vendorRiskLabels: ['a', 'b', 'c'] });
    assert.equal(three.score, 50);
  });

  test('when the country is on the high-risk list, then 35 points are added; with labels the score passes 80 and review is needed', () => {
    const country = { ...base, submitted: { ...base.submitted, nationality: 'IR' } };
    assert.equal(assessRisk(country).score, 35);
    assert.equal(assessRisk(country).needsReview, false);
    assert.equal(assessRisk(country).needsFourEyes, false);
    const both = assessRisk({ ...country, vendorRiskLabels: ['a', 'b'] });
    assert.equal(both.score, 85);
    assert.equal(both.needsReview, true);
  });

  test('when the score equals the threshold, then it is not above it', () => {
    const atThreshold = assessRisk({ ...base, submitted: { ...base.submitted, nationality: 'IR' }, vendorRiskLabels: ['a', 'b'], reviewThreshold: 85 });
    assert.equal(atThreshold.score, 85);
    assert.equal(atThreshold.needsReview, false);
  });

  test('when the vendor itself asks for review, then the case goes to one reviewer', () => {
    assert.deepEqual(codes({ ...base, vendorAskedForReview: true }), ['VENDOR_REVIEW']);
    const r = assessRisk({ ...base, vendorAskedForReview: true });
    assert.deepEqual([r.needsReview, r.needsFourEyes], [true, false]);
  });

  test('when the applicant matches a sanctions entry or a PEP that no clearance covers, then each is a hard indicator that takes four eyes, whatever the score', () => {
    const sanctioned = assessRisk({ ...base, listMatches: { sanctions: 2, pep: 0 } });
    assert.deepEqual(sanctioned.reasons.map((r) => [r.code, r.hard, r.detail.endsWith('(2)')]), [['SANCTIONS_HIT', true, true]]);
    assert.deepEqual([sanctioned.score, sanctioned.needsReview, sanctioned.needsFourEyes], [60, true, true]);
    const pep = assessRisk({ ...base, listMatches: { sanctions: 0, pep: 1 } });
    assert.deepEqual([pep.reasons.map((r) => r.code), pep.score, pep.needsReview, pep.needsFourEyes], [['PEP_HIT'], 40, true, true]);
    assert.deepEqual(codes({ ...base, listMatches: { sanctions: 1, pep: 1 } }), ['SANCTIONS_HIT', 'PEP_HIT']);
  });

  test('when an earlier screening of the customer matched a list entry (cleared or not), then people decide, with four eyes', () => {
    const prior = assessRisk({ ...base, priorListHits: 2 });
    assert.deepEqual([prior.reasons.map((r) => r.code), prior.needsReview, prior.needsFourEyes], [['PRIOR_LIST_HIT'], true, true]);
  });

  test('when a required list was missing or out of date, then the case waits in review, its reason naming the list', () => {
    const held = assessRisk({ ...base, screeningGaps: [{ source: 'ofac-sdn', problem: 'not_loaded', checkedAt: null, maxAgeHours: null }, { source: 'un-sc', problem: 'stale', checkedAt: '2026-11-01T00:00:00.000Z', maxAgeHours: 48 }] });
    assert.deepEqual([held.reasons.map((r) => r.code), held.needsReview, held.needsFourEyes], [['SCREENING_INCOMPLETE'], true, false]);
    assert.match(held.reasons[0]!.detail, /the ofac-sdn list is not loaded; the un-sc list was last refreshed 2026-11-01T00:00:00.000Z \(more than 48 hours ago\)$/);
  });

  test('the rule table names a weight for every code', () => {
    for (const [code, rule] of Object.entries(RISK_RULES)) assert.ok(rule.weight > 0 && rule.describe.length > 10, code);
  });
});
