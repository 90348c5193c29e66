// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { customerExportView, type FullSubjectExport, WITHHELD_CATEGORIES } from '../../domain/customer-view';
import { VENDOR_DECISION_STATUSES, vendorDecisionText } from '../../domain/decision';
import { restrictedReadRefusal } from '../../domain/privacy';
import { REVIEW_REJECTION_TEXT } from '../../domain/review';
import { DEFAULT_STATUS_TEXT } from '../../domain/status';

// What a customer may see of their own data (domain/customer-view.ts), the customer-facing texts
// of decisions (domain/decision.ts, domain/review.ts), and who reads restricted data
// (domain/privacy.ts): pure rules, applied by the store.

// Words that would tell a customer what they are suspected of (tipping off).
const SUSPICION = /another account|already (used|verified)|fraud|sanction|watch ?list|politically exposed|\bPEP\b|duplicate|suspect|listed/i;

// As the store writes it: more than the customer's view reads (a field added later among them).
const verification = {
  id: '00000000-0000-4000-8000-000000000002',
  status: 'rejected',
  reason: 'We could not verify your identity after review.',
  next_action: 'Contact support if you believe this is a mistake.',
  created_at: '2026-11-02T10:00:00.000Z',
  verified_at: null,
  attempts: 1,
  country: 'BW',
  nationality: 'BW',
  document_type: 'passport',
  personal_data: 'held' as const,
  retained_until: null,
  submitted: { first_name: 'Jane', last_name: 'Roe' },
  extracted_by_vendor: { identity: { firstName: 'Jane', lastName: 'Roe' }, document: { number: 'BP1' }, riskLabels: ['document_integrity_fraud'] },
  vendor_decision: { status: 'review', reason_code: 106 },
  risk: { score: 100, reason_codes: ['SANCTIONS_HIT', 'DUPLICATE_DOCUMENT'] },
  review_decisions: [{ decision: 'reject', reason_code: 'fraud_suspected', notes: 'Looks like the listed person' }],
  events: [
    { type: 'KYC_CREATED', from_status: null, to_status: 'pending', actor: 'customer', reason: 'Verification requested', reason_codes: [], at: '2026-11-02T10:00:00.000Z' },
    { type: 'RISK_ASSESSED', from_status: null, to_status: null, actor: 'system', reason: 'Risk 100: SANCTIONS_HIT, DUPLICATE_DOCUMENT', reason_codes: ['SANCTIONS_HIT'], at: '2026-11-02T10:01:00.000Z' },
    { type: 'REVIEW_DECISION', from_status: null, to_status: null, actor: 'reviewer', reason: 'Reviewer decision: reject (fraud_suspected)', reason_codes: ['fraud_suspected'], at: '2026-11-02T10:02:00.000Z' },
    { type: 'REVIEW_REJECTED', from_status: 'under_review', to_status: 'rejected', actor: 'system', reason: 'We could not verify your identity after review.', reason_codes: ['fraud_suspected'], at: '2026-11-02T10:03:00.000Z' },
  ],
  vendor_messages: [{ kind: 'decision', status_or_action: 'review', received_at: '2026-11-02T10:00:30.000Z', body: { verification: { riskLabels: ['document_integrity_fraud'] } } }],
  internal_field_added_later: 'SANCTIONS_HIT',
};

const full: FullSubjectExport = {
  generated_at: '2026-11-27T10:00:00.000Z',
  subject: { user_id: '00000000-0000-4000-8000-000000000001', username: 'jane', email: 'jane@example.test', role: 'customer', created_at: '2026-11-01T10:00:00.000Z', erased_at: null },
  wallet: { type: 'basic', daily_limit: '100', monthly_limit: '1000', upgraded_at: null },
  verifications: [verification],
  other_data: [
    { kind: 'screening_results', items: [{ hits: [{ list: 'un-sc', listed_name: 'Gaston Iyamuremye', score: 0.97 }] }] },
    { kind: 'documents', items: [{ id: 'd1', recordId: 'r1', kind: 'front', byteSize: 10, createdAt: '2026-11-02T10:00:00.000Z', checks: [{ reason_codes: ['EDITING_SOFTWARE'] }] }] },
  ],
  erasure_requests: [],
};

describe("the customer's own export", () => {
  test('when the full export holds screening hits, risk codes, review reason codes, notes and fraud indicators, then the customer’s view has none of them', () => {
    const text = JSON.stringify(customerExportView(full));
    for (const leak of ['SANCTIONS_HIT', 'DUPLICATE_DOCUMENT', 'fraud_suspected', 'Looks like the listed person', 'un-sc', 'Iyamuremye', '0.97', 'riskLabels', 'document_integrity_fraud', 'EDITING_SOFTWARE', '106', 'RISK_ASSESSED', 'REVIEW_DECISION', 'internal_field_added_later']) {
      assert.equal(text.includes(leak), false, `${leak} in ${text}`);
    }
  });

  test('when the customer’s view is built, then it keeps what they provided and what was decided, in neutral words', () => {
    const view = customerExportView(full);
    const [v] = view.verifications;
    assert.deepEqual([v!.status, v!.reason, v!.submitted], ['rejected', 'We could not verify your identity after review.', { first_name: 'Jane', last_name: 'Roe' }]);
    assert.deepEqual(v!.extracted_by_vendor, { identity: { firstName: 'Jane', lastName: 'Roe' }, document: { number: 'BP1' } });
    assert.deepEqual(v!.events.map((e) => e.type), ['KYC_CREATED', 'REVIEW_REJECTED'], 'status changes and what the customer did');
    assert.deepEqual(view.other_data, [{ kind: 'documents', items: [{ id: 'd1', recordId: 'r1', kind: 'front', byteSize: 10, createdAt: '2026-11-02T10:00:00.000Z' }] }]);
  });

  test('when anything is withheld, then every category is listed with its legal basis, the same whatever the data holds', () => {
    const withheld = customerExportView(full).withheld;
    assert.deepEqual(withheld.map((w) => w.category), [...WITHHELD_CATEGORIES]);
    for (const item of withheld) {
      assert.equal(item.basis, 'aml_tipping_off');
      assert.match(item.provisions, /GDPR art\. 23\(1\)\(d\)/);
      assert.match(item.provisions, /2015\/849 art\. 39/);
      assert.match(item.provisions, /333A/);
      assert.match(item.provisions, /1020\.320\(e\)/);
    }
    const empty = customerExportView({ ...full, verifications: [], other_data: [] });
    assert.deepEqual(empty.withheld, withheld, 'a list that changed with the data would tell what it withholds');
  });
});

describe('what customers read of a decision', () => {
  test('when a verification is declined, rejected after review or otherwise decided, then no text tells the customer what they are suspected of', () => {
    const texts = [
      ...Object.values(REVIEW_REJECTION_TEXT),
      ...Object.values(DEFAULT_STATUS_TEXT),
      ...VENDOR_DECISION_STATUSES.flatMap((status) => [null, ...Array.from({ length: 1000 }, (_, code) => code)].map((code) => vendorDecisionText(status, code))),
    ];
    for (const text of texts) {
      assert.doesNotMatch(text.reason, SUSPICION);
      assert.doesNotMatch(text.nextAction, SUSPICION);
    }
  });
});

describe('who reads restricted data', () => {
  test('when the reader is not the auditor, then they may not, whatever reason they give', () => {
    for (const role of ['customer', 'reviewer', 'senior_reviewer', 'admin', 'service', 'system']) assert.equal(restrictedReadRefusal({ role, reason: 'FIU request 1' }), 'not_auditor');
  });

  test('when the auditor gives no reason, or a blank one, then a reason is asked for; with one, they may', () => {
    assert.equal(restrictedReadRefusal({ role: 'auditor' }), 'reason_required');
    assert.equal(restrictedReadRefusal({ role: 'auditor', reason: '   ' }), 'reason_required');
    assert.equal(restrictedReadRefusal({ role: 'auditor', reason: 'FIU request 1' }), null);
  });
});
