// needs: temporal-test-server, workflow-bundle
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { loadConfig } from '../../domain/config';
import { type CaseHitStatus, type ListGap } from '../../domain/screening';
import { claimUpdate, decideUpdate, resolveHitUpdate, reviewStateQuery, type KycReviewInput, type ReviewDecisionInput, type ReviewState } from '../../workflows/kyc-review.contract';
import { type kycReview } from '../../workflows/kyc-review';
import { refusalOf, SENIOR_REVIEWER, STANDARD_REVIEWER, untilState, type Stubs, type WorkerRun, workflowTestsOfThisFile } from '../support/time-skipping';

// The manual-review workflow (workflows/kyc-review.ts) on Temporal's time-skipping test server,
// with stub activities: the SLA ladder under the production SLAs (a day to decide, two more once
// escalated, then ops are alerted), four eyes, and the screening rules the workflow holds (no
// approval while a hit is open or confirmed or the lists have a gap, hits resolved here, clearances
// only after two approvals). Who may act is domain/review.ts (test/unit/review-rules.test.ts).

const config = loadConfig({});
const REVIEW_SLA_MS = config.KYC_REVIEW_SLA * 1000;
const ESCALATION_SLA_MS = config.KYC_ESCALATION_SLA * 1000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SECOND_REVIEWER = 'reviewer-second';

type Review = WorkflowHandle<typeof kycReview>;

const workflows = workflowTestsOfThisFile();

async function startReview(run: WorkerRun, input: Partial<KycReviewInput> = {}): Promise<{ review: Review; recordId: string; task: ReviewState }> {
  const recordId = randomUUID();
  const review = await run.start<typeof kycReview>('kycReview', {
    workflowId: `kyc-${randomUUID()}-review-1`,
    args: [{ recordId, fourEyes: false, reviewSlaSeconds: config.KYC_REVIEW_SLA, escalationSlaSeconds: config.KYC_ESCALATION_SLA, ...input }],
  });
  return { review, recordId, task: await untilTask(review, (s) => s.stage === 'review') };
}

/** The review's state once its current task is assigned and `predicate` holds. */
const untilTask = (review: Review, predicate: (state: ReviewState) => boolean, what = 'an assigned task') =>
  untilState(() => review.query(reviewStateQuery), (s) => s.taskId !== null && s.dueAt !== null && predicate(s), what);

const decide = (review: Review, task: ReviewState, decision: Omit<ReviewDecisionInput, 'taskId'>) => review.executeUpdate(decideUpdate, { args: [{ taskId: task.taskId!, ...decision }] });
const approveAs = (review: Review, task: ReviewState, actorId: string, actorRole: 'reviewer' | 'senior_reviewer' = 'reviewer') => decide(review, task, { actorId, actorRole, decision: 'approve' });

/** A case's screening that a test changes as it goes: hits by id, and the gaps a fresh screening would find. */
function screening(hits: Record<string, CaseHitStatus>, gapsOnRescreen: ListGap[] = []) {
  const stubs: Stubs = {
    caseScreening: async (input) => ({ hits: Object.entries(hits).map(([id, status]) => ({ id, status })), gaps: input.rescreen ? gapsOnRescreen : [] }),
    resolveCaseHit: async (input) => {
      if (!(input.caseHitId in hits)) return { outcome: 'not_found' };
      hits[input.caseHitId] = input.resolution;
      return { outcome: 'resolved', status: input.resolution, openLeft: Object.values(hits).filter((s) => s === 'open').length };
    },
  };
  return stubs;
}

describe('the review SLA ladder, on skipped time', () => {
  test('when no one decides within the review SLA, then the case escalates to a senior reviewer then, not before', async () => {
    await workflows.run({}, async (run) => {
      const { review, task } = await startReview(run);
      assert.equal(run.callsOf('openReviewTask')[0]!.dueInSeconds, config.KYC_REVIEW_SLA);

      await workflows.env.sleep(REVIEW_SLA_MS - MINUTE);
      assert.equal(run.callsOf('escalateReviewTask').length, 0, 'a minute before the SLA');
      await workflows.env.sleep(2 * MINUTE);
      const escalated = await untilTask(review, (s) => s.level === 'senior', 'the escalation');
      assert.deepEqual({ assigneeId: escalated.assigneeId, escalated: escalated.escalated, taskId: escalated.taskId }, { assigneeId: SENIOR_REVIEWER, escalated: true, taskId: task.taskId });
      const [escalation] = run.callsOf('escalateReviewTask');
      assert.deepEqual({ dueInSeconds: escalation!.dueInSeconds, actorId: escalation!.actorId, reason: escalation!.reason }, { dueInSeconds: config.KYC_ESCALATION_SLA, actorId: null, reason: 'Review SLA passed without a decision' });
    });
  });

  test('when the escalated SLA passes too, then ops are alerted once and the case waits for its senior reviewer', async () => {
    await workflows.run({}, async (run) => {
      const { review } = await startReview(run);
      await workflows.env.sleep(REVIEW_SLA_MS + MINUTE);
      const escalated = await untilTask(review, (s) => s.escalated, 'the escalation');

      await workflows.env.sleep(ESCALATION_SLA_MS - 2 * MINUTE);
      assert.equal(run.callsOf('alertOpsOfReviewBreach').length, 0, 'a minute before the escalated SLA');
      await workflows.env.sleep(2 * MINUTE);
      await untilTask(review, (s) => s.opsAlerted, 'the ops alert');
      assert.deepEqual(run.callsOf('alertOpsOfReviewBreach'), [{ taskId: escalated.taskId, recordId: escalated.recordId, overdueSince: escalated.dueAt }]);

      await workflows.env.sleep(30 * 24 * HOUR);
      assert.equal(run.callsOf('alertOpsOfReviewBreach').length, 1, 'a month later, still one alert');
      assert.equal((await review.query(reviewStateQuery)).outcome, null, 'the case is still open');
      await approveAs(review, escalated, SENIOR_REVIEWER, 'senior_reviewer');
      assert.deepEqual(await review.result(), { decision: 'approve', reasonCode: null, decidedBy: SENIOR_REVIEWER, approvers: [SENIOR_REVIEWER] });
      assert.equal(run.callsOf('closeReviewTasks').length, 1);
    });
  });

  test('when the reviewer claims the case, then the review SLA starts again from the claim', async () => {
    await workflows.run({}, async (run) => {
      const { review, task } = await startReview(run);
      await workflows.env.sleep(REVIEW_SLA_MS - HOUR);
      await review.executeUpdate(claimUpdate, { args: [{ taskId: task.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer' }] });

      await workflows.env.sleep(REVIEW_SLA_MS - MINUTE);
      assert.equal(run.callsOf('escalateReviewTask').length, 0, 'a minute before the SLA counted from the claim');
      await workflows.env.sleep(2 * MINUTE);
      await untilTask(review, (s) => s.escalated, 'the escalation');
    });
  });

  test('when the reviewer escalates, then the case goes to a senior reviewer and a reviewer may no longer decide it', async () => {
    await workflows.run({}, async (run) => {
      const { review, task } = await startReview(run);
      await decide(review, task, { actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'escalate' });
      const escalated = await untilTask(review, (s) => s.level === 'senior', 'the escalation');
      assert.deepEqual(
        run.callsOf('escalateReviewTask').map((e) => ({ actorId: e.actorId, reason: e.reason, dueInSeconds: e.dueInSeconds })),
        [{ actorId: STANDARD_REVIEWER, reason: 'Escalated by the reviewer', dueInSeconds: config.KYC_ESCALATION_SLA }],
      );
      assert.equal(await refusalOf(approveAs(review, escalated, STANDARD_REVIEWER)), 'NotAssignee');
      assert.equal(await refusalOf(decide(review, escalated, { actorId: SENIOR_REVIEWER, actorRole: 'senior_reviewer', decision: 'escalate' })), 'AlreadyEscalated');
    });
  });
});

describe('the review rules, held by the workflow', () => {
  test('when a four-eyes case is approved once, then a second, different reviewer must approve it', async () => {
    await workflows.run({}, async (run) => {
      const { review, task } = await startReview(run, { fourEyes: true });
      await approveAs(review, task, STANDARD_REVIEWER);
      const second = await untilTask(review, (s) => s.stage === 'second_approval', 'the second approval');
      assert.notEqual(second.taskId, task.taskId);
      assert.deepEqual(run.callsOf('openReviewTask')[1]!.excludeUserIds, [STANDARD_REVIEWER]);

      assert.equal(await refusalOf(approveAs(review, second, STANDARD_REVIEWER)), 'FourEyes');
      await review.executeUpdate(claimUpdate, { args: [{ taskId: second.taskId!, actorId: SECOND_REVIEWER, actorRole: 'reviewer' }] });
      await approveAs(review, second, SECOND_REVIEWER);
      assert.deepEqual(await review.result(), { decision: 'approve', reasonCode: null, decidedBy: SECOND_REVIEWER, approvers: [STANDARD_REVIEWER, SECOND_REVIEWER] });
      assert.deepEqual(run.callsOf('grantClearances').map((g) => g.approvers), [[STANDARD_REVIEWER, SECOND_REVIEWER]]);
    });
  });

  test('when the case has a list hit, then it takes four eyes whatever the score said', async () => {
    await workflows.run(screening({ 'hit-1': 'false_positive' }), async (run) => {
      const { review, task } = await startReview(run, { fourEyes: false });
      await approveAs(review, task, STANDARD_REVIEWER);
      const second = await untilTask(review, (s) => s.stage === 'second_approval', 'the second approval');
      assert.equal(second.outcome, null);
    });
  });

  test('when a hit is open, then an approval is refused until it is resolved as a false positive, and the clearance waits for both approvals', async () => {
    await workflows.run(screening({ 'hit-1': 'open' }), async (run) => {
      const { review, task } = await startReview(run);
      assert.equal(await refusalOf(approveAs(review, task, STANDARD_REVIEWER)), 'ScreeningUnresolved');
      assert.equal(run.callsOf('recordReviewDecision').length, 0);

      const resolved = await review.executeUpdate(resolveHitUpdate, { args: [{ taskId: task.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', caseHitId: 'hit-1', resolution: 'false_positive' }] });
      assert.deepEqual({ status: resolved.status, openLeft: resolved.openLeft }, { status: 'false_positive', openLeft: 0 });
      await approveAs(review, task, STANDARD_REVIEWER);
      const second = await untilTask(review, (s) => s.stage === 'second_approval', 'the second approval');
      assert.equal(run.callsOf('grantClearances').length, 0, 'one approval grants no clearance');
      await approveAs(review, second, SENIOR_REVIEWER, 'senior_reviewer');

      assert.equal((await review.result()).decision, 'approve');
      assert.deepEqual(run.callsOf('grantClearances').map((g) => g.approvers), [[STANDARD_REVIEWER, SENIOR_REVIEWER]]);
    });
  });

  test('when a hit is confirmed as a true match, then the case is rejected for a sanctions hit and nothing is cleared', async () => {
    await workflows.run(screening({ 'hit-1': 'open' }), async (run) => {
      const { review, task } = await startReview(run);
      await review.executeUpdate(resolveHitUpdate, { args: [{ taskId: task.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', caseHitId: 'hit-1', resolution: 'true_match' }] });

      assert.deepEqual(await review.result(), { decision: 'reject', reasonCode: 'sanctions_hit', decidedBy: STANDARD_REVIEWER, approvers: [] });
      assert.deepEqual(run.callsOf('recordReviewDecision').map((d) => ({ decision: d.decision, reasonCode: d.reasonCode })), [{ decision: 'reject', reasonCode: 'sanctions_hit' }]);
      assert.equal(run.callsOf('grantClearances').length, 0);
    });
  });

  test('when a resolved hit is resolved again, or the hit is not on the case, then the resolution is refused', async () => {
    await workflows.run(screening({ 'hit-1': 'false_positive' }), async (run) => {
      const { review, task } = await startReview(run);
      const resolve = (caseHitId: string) => review.executeUpdate(resolveHitUpdate, { args: [{ taskId: task.taskId!, actorId: STANDARD_REVIEWER, actorRole: 'reviewer', caseHitId, resolution: 'true_match' }] });
      assert.equal(await refusalOf(resolve('hit-1')), 'HitAlreadyResolved');
      assert.equal(await refusalOf(resolve('hit-elsewhere')), 'HitNotFound');
      assert.equal(run.callsOf('resolveCaseHit').length, 0);
    });
  });

  test('when the lists in force have a gap as the approval is recorded, then the approval is refused and the case stays open', async () => {
    const gap: ListGap = { source: 'ofac-sdn', problem: 'stale', checkedAt: '2026-01-01T00:00:00.000Z', maxAgeHours: 48 };
    await workflows.run(screening({}, [gap]), async (run) => {
      const { review, task } = await startReview(run);
      assert.equal(await refusalOf(approveAs(review, task, STANDARD_REVIEWER)), 'ScreeningUnresolved');
      assert.deepEqual(run.callsOf('caseScreening').map((c) => c.rescreen), [false, true], 'the approval screened the case afresh');
      assert.equal(run.callsOf('recordReviewDecision').length, 0);

      await decide(review, task, { actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'reject', reasonCode: 'other' });
      assert.equal((await review.result()).decision, 'reject', 'the refused approval left no decision in progress');
    });
  });

  test('when the account named may not act, then the decision is refused and the case stays as it was', async () => {
    let allowed = false;
    const gate: Stubs = {
      recordReviewDecision: async () => {
        if (!allowed) throw ApplicationFailure.nonRetryable('not an active reviewer', 'ActorNotAllowed');
      },
    };
    await workflows.run(gate, async (run) => {
      const { review, task } = await startReview(run);
      assert.equal(await refusalOf(approveAs(review, task, STANDARD_REVIEWER)), 'ActorNotAllowed');
      assert.equal((await review.query(reviewStateQuery)).outcome, null);

      allowed = true;
      await approveAs(review, task, STANDARD_REVIEWER);
      assert.equal((await review.result()).decidedBy, STANDARD_REVIEWER);
    });
  });

  test('when a decision breaks a rule of who may decide what, then it is refused with that rule', async () => {
    await workflows.run({}, async (run) => {
      const { review, task } = await startReview(run, { decisions: ['approve', 'reject'] });
      assert.equal(await refusalOf(decide(review, task, { actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'reject' })), 'ReasonCodeRequired');
      assert.equal(await refusalOf(decide(review, task, { actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'request_resubmission' })), 'DecisionNotOffered');
      assert.equal(await refusalOf(approveAs(review, task, SECOND_REVIEWER)), 'NotAssignee');
      assert.equal(await refusalOf(decide(review, { ...task, taskId: randomUUID() }, { actorId: STANDARD_REVIEWER, actorRole: 'reviewer', decision: 'approve' })), 'ReviewClosed');
      assert.equal(run.callsOf('recordReviewDecision').length, 0);
    });
  });

  test('when the review is cancelled, then its tasks are closed and it ends cancelled', async () => {
    await workflows.run({}, async (run) => {
      const { review, recordId } = await startReview(run);
      await review.cancel();
      await assert.rejects(review.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
      assert.deepEqual(run.callsOf('closeReviewTasks'), [{ recordId }]);
    });
  });
});
