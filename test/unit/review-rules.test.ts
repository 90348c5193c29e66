// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalNeedsSecondReviewer, claimRefusal, decisionRefusal, hitResolutionRefusal, type ReviewActor, type ReviewSituation } from '../../domain/review';
import { SCREENING_REVIEW_DECISIONS, screeningApprovalRefusal } from '../../domain/screening';

// The rules of manual review (domain/review.ts), which the review workflow's validators apply.

const open: ReviewSituation = { closed: false, taskId: 't1', assigneeId: 'alice', level: 'standard', stage: 'review', firstApproverId: null, deciding: false, decisions: null };
const reviewer = (actorId: string, taskId = 't1'): ReviewActor => ({ taskId, actorId, actorRole: 'reviewer' });
const senior = (actorId: string, taskId = 't1'): ReviewActor => ({ taskId, actorId, actorRole: 'senior_reviewer' });
const refusalType = (refusal: { type: string } | null) => refusal?.type ?? null;

describe('who may claim a case', () => {
  test('when the case is unassigned, then any reviewer may take it', () => {
    assert.equal(claimRefusal({ ...open, assigneeId: null }, reviewer('bob')), null);
  });

  test('when it is assigned to someone else, then only a senior reviewer may take it over', () => {
    assert.equal(refusalType(claimRefusal(open, reviewer('bob'))), 'NotAllowed');
    assert.equal(claimRefusal(open, senior('carol')), null);
  });

  test('when the assignee claims their own case, then nothing is refused', () => {
    assert.equal(claimRefusal(open, reviewer('alice')), null);
  });

  test('when the case is escalated, then a reviewer may not take it, even unassigned', () => {
    assert.equal(refusalType(claimRefusal({ ...open, level: 'senior', assigneeId: null }, reviewer('bob'))), 'NotAllowed');
    assert.equal(claimRefusal({ ...open, level: 'senior', assigneeId: null }, senior('carol')), null);
  });

  test('when the first approver of a four-eyes case tries to take the second approval, then it is refused', () => {
    const second: ReviewSituation = { ...open, stage: 'second_approval', assigneeId: null, firstApproverId: 'alice' };
    assert.equal(refusalType(claimRefusal(second, reviewer('alice'))), 'FourEyes');
    assert.equal(claimRefusal(second, reviewer('bob')), null);
  });

  test('when the case is closed or the task is not the open one, then the claim is refused as closed', () => {
    assert.equal(refusalType(claimRefusal({ ...open, closed: true }, reviewer('alice'))), 'ReviewClosed');
    assert.equal(refusalType(claimRefusal(open, reviewer('alice', 'old-task'))), 'ReviewClosed');
  });
});

describe('who may decide', () => {
  const decision = (actor: ReviewActor, what: 'approve' | 'reject' | 'escalate' | 'request_resubmission', reasonCode?: 'data_mismatch') => ({ ...actor, decision: what, reasonCode: reasonCode ?? null });

  test('when the assignee decides, then it is allowed; another reviewer is refused; a senior reviewer may decide any case', () => {
    assert.equal(decisionRefusal(open, decision(reviewer('alice'), 'approve')), null);
    assert.equal(refusalType(decisionRefusal(open, decision(reviewer('bob'), 'approve'))), 'NotAssignee');
    assert.equal(decisionRefusal(open, decision(senior('carol'), 'approve')), null);
  });

  test('when a rejection has no reason code, then it is refused; with one it is allowed', () => {
    assert.equal(refusalType(decisionRefusal(open, decision(reviewer('alice'), 'reject'))), 'ReasonCodeRequired');
    assert.equal(decisionRefusal(open, decision(reviewer('alice'), 'reject', 'data_mismatch')), null);
  });

  test('when an escalated case is decided by a reviewer, then it is refused; escalating it again is refused too', () => {
    const escalated: ReviewSituation = { ...open, level: 'senior', assigneeId: 'alice' };
    assert.equal(refusalType(decisionRefusal(escalated, decision(reviewer('alice'), 'approve'))), 'NotAllowed');
    assert.equal(refusalType(decisionRefusal(escalated, decision(senior('alice'), 'escalate'))), 'AlreadyEscalated');
  });

  test('when another decision is being recorded, then a second one is refused so that exactly one wins', () => {
    assert.equal(refusalType(decisionRefusal({ ...open, deciding: true }, decision(reviewer('alice'), 'approve'))), 'DecisionInProgress');
  });

  test('when the first approver gives the second approval of a four-eyes case, then it is refused, also for a senior reviewer', () => {
    const second: ReviewSituation = { ...open, stage: 'second_approval', assigneeId: 'bob', firstApproverId: 'alice' };
    assert.equal(refusalType(decisionRefusal(second, decision(senior('alice'), 'approve'))), 'FourEyes');
    assert.equal(decisionRefusal(second, decision(reviewer('bob'), 'approve')), null);
  });
});

describe('four eyes', () => {
  test('when a four-eyes case is approved in the review stage, then a second reviewer must approve; not for other decisions or one-reviewer cases', () => {
    assert.equal(approvalNeedsSecondReviewer({ stage: 'review' }, 'approve', true), true);
    assert.equal(approvalNeedsSecondReviewer({ stage: 'second_approval' }, 'approve', true), false);
    assert.equal(approvalNeedsSecondReviewer({ stage: 'review' }, 'reject', true), false);
    assert.equal(approvalNeedsSecondReviewer({ stage: 'review' }, 'approve', false), false);
  });
});

describe('reviews that offer some decisions only, and sanctions and PEP hits', () => {
  const decision = (actor: ReviewActor, what: 'approve' | 'reject' | 'request_resubmission', reasonCode?: 'sanctions_hit') => ({ ...actor, decision: what, reasonCode: reasonCode ?? null });
  test('when a review opened by ongoing screening is asked to request a resubmission, then it is refused naming the decisions it offers', () => {
    const screening: ReviewSituation = { ...open, decisions: SCREENING_REVIEW_DECISIONS };
    const refusal = decisionRefusal(screening, decision(reviewer('alice'), 'request_resubmission'));
    assert.equal(refusalType(refusal), 'DecisionNotOffered');
    assert.match(refusal!.message, /approve, reject, escalate/);
    assert.equal(decisionRefusal(screening, decision(reviewer('alice'), 'reject', 'sanctions_hit')), null);
  });

  test('when someone resolves a hit, then the assignee or a senior may, others and closed or escalated cases are refused', () => {
    assert.equal(hitResolutionRefusal(open, reviewer('alice')), null);
    assert.equal(hitResolutionRefusal(open, senior('carol')), null);
    assert.equal(refusalType(hitResolutionRefusal(open, reviewer('bob'))), 'NotAssignee');
    assert.equal(refusalType(hitResolutionRefusal({ ...open, closed: true }, reviewer('alice'))), 'ReviewClosed');
    assert.equal(refusalType(hitResolutionRefusal({ ...open, level: 'senior' }, reviewer('alice'))), 'NotAllowed');
    assert.equal(refusalType(hitResolutionRefusal(open, reviewer('alice', 'another-task'))), 'ReviewClosed');
  });

  test('when hits are open or one is confirmed, then approval is refused with the reason; when every hit is a false positive it is not', () => {
    assert.match(screeningApprovalRefusal({ hits: [{ status: 'open' }, { status: 'false_positive' }, { status: 'open' }], gaps: [] }) ?? '', /^2 sanctions or PEP list hits are not resolved yet/);
    assert.match(screeningApprovalRefusal({ hits: [{ status: 'open' }], gaps: [] }) ?? '', /^1 sanctions or PEP list hit is not resolved yet/);
    assert.match(screeningApprovalRefusal({ hits: [{ status: 'false_positive' }, { status: 'true_match' }], gaps: [] }) ?? '', /confirmed as a true match/);
    assert.equal(screeningApprovalRefusal({ hits: [{ status: 'false_positive' }], gaps: [] }), null);
    assert.equal(screeningApprovalRefusal({ hits: [], gaps: [] }), null);
  });

  test('when a required list was missing or out of date, then approval is refused first, naming the list, whatever the hits', () => {
    const gaps = [{ source: 'ofac-sdn', problem: 'not_loaded', checkedAt: null, maxAgeHours: null }] as const;
    assert.match(screeningApprovalRefusal({ hits: [{ status: 'open' }], gaps: [...gaps] }) ?? '', /^The screening is incomplete: the ofac-sdn list is not loaded/);
    assert.match(screeningApprovalRefusal({ hits: [], gaps: [...gaps] }) ?? '', /incomplete/);
  });
});
