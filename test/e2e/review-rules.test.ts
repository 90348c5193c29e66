// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { kycDataConverter } from '../../infra/temporal';
import { screeningListRefresh } from '../../workflows/screening-monitor';
import { decideUpdate, resolveHitUpdate, reviewStateQuery } from '../../workflows/kyc-review.contract';
import { BUNDLED_LISTS, ensureBundledLists } from '../../screening/bundled';
import { LISTED_PERSON } from '../support/screening';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// The rules that protect customers and the law, held by the review workflow and the stores
// whoever sends the update: a listed applicant is never approved by one person (a clearance takes
// the approval of a second reviewer, and an earlier hit keeps people in the loop); an approval
// sent to Temporal directly meets the same screening rule; a payload not sealed with the payload
// key, or an actor who is not who the update says, changes nothing; and screening fails closed
// when the lists it needs are missing or out of date. On the real Temporal server and PostgreSQL,
// with the bundled OFAC, UN and OpenSanctions lists loaded as production loads them.

const LISTED_APPLICANT = { first_name: LISTED_PERSON.first_name, last_name: LISTED_PERSON.last_name, date_of_birth: '1948-02-02', nationality: 'RW' };

interface CaseHit {
  hit_id: string;
  status: string;
  source: string;
}

function harness(getSystem: () => TestSystem) {
  const reviewers = new Map<string, TestUser>();
  const system = () => getSystem();
  return {
    reviewers,
    async addReviewers() {
      for (const role of ['reviewer', 'reviewer', 'senior_reviewer'] as const) {
        const user = await createUser(system(), role);
        reviewers.set(user.id, user);
      }
    },
    reviewer(id: string | null) {
      const found = id ? reviewers.get(id) : undefined;
      assert.ok(found, `the task must be assigned to one of our reviewers, was ${id}`);
      return found;
    },
    other(...not: (string | null)[]) {
      return [...reviewers.values()].find((r) => !not.includes(r.id) && r.username.startsWith('reviewer')) ?? [...reviewers.values()].find((r) => !not.includes(r.id))!;
    },
    async start(customer: TestUser, body: Record<string, unknown>, decision: Record<string, unknown> = { status: 'approved' }) {
      const started = await api(system(), 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant(body) });
      assert.equal(started.status, 201, started.text);
      const recordId = started.json.id as string;
      await decide(system(), recordId, decision as { status: string });
      return recordId;
    },
    record(recordId: string, status: string) {
      return eventually(() => system().db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === status, 30_000, `record ${recordId} to be ${status}`);
    },
    openTask(recordId: string, not: string[] = []) {
      return eventually(() => system().db.reviewTask.findFirst({ where: { kycRecordId: recordId, status: 'open', id: { notIn: not } } }), (t) => t !== null, 30_000, `an open task on ${recordId}`).then((t) => t!);
    },
    async hits(recordId: string, auditor: TestUser): Promise<CaseHit[]> {
      const file = await api(system(), 'GET', `/api/review/cases/${recordId}/`, { token: auditor.token });
      assert.equal(file.status, 200, file.text);
      return (file.json.screening as { hits: CaseHit[] }).hits;
    },
    resolve(who: TestUser, recordId: string, hitId: string, body: unknown) {
      return api(system(), 'POST', `/api/review/cases/${recordId}/screening-hits/${hitId}/resolution/`, { token: who.token, body });
    },
    decideTask(who: TestUser, taskId: string, body: unknown) {
      return api(system(), 'POST', `/api/review/tasks/${taskId}/decision/`, { token: who.token, body });
    },
    codes(record: { riskReasons: unknown }) {
      return (record.riskReasons as { code: string }[]).map((r) => r.code);
    },
  };
}

describe('review rules held by the workflow and the stores', () => {
  let system: TestSystem;
  let auditor: TestUser;
  const h = harness(() => system);

  before(async () => {
    system = await startTestSystem();
    await h.addReviewers();
    auditor = await createUser(system, 'auditor');
  });
  after(async () => {
    await system?.stop();
  });

  /** A listed applicant's case whose hits the assignee resolved as false positives. */
  async function listedCaseResolvedByOne(customer: TestUser) {
    const recordId = await h.start(customer, LISTED_APPLICANT);
    const record = await h.record(recordId, 'under_review');
    assert.ok(h.codes(record).includes('SANCTIONS_HIT'), JSON.stringify(record.riskReasons));
    const task = await h.openTask(recordId);
    const first = h.reviewer(task.assigneeId);
    const hits = await h.hits(recordId, auditor);
    assert.ok(hits.length >= 1 && hits.every((hit) => hit.status === 'open'), JSON.stringify(hits));
    for (const hit of hits) {
      const resolved = await h.resolve(first, recordId, hit.hit_id, { resolution: 'false_positive', reason: 'Another person, by the reviewer alone' });
      assert.equal(resolved.status, 200, resolved.text);
    }
    return { recordId, task, first, hits };
  }

  test('when one reviewer clears a listed applicant’s hits and asks for a resubmission, then no clearance exists and the second attempt still waits for two reviewers', async () => {
    const customer = await createUser(system);
    const { recordId, task, first } = await listedCaseResolvedByOne(customer);
    assert.equal((await h.decideTask(first, task.id, { decision: 'request_resubmission' })).status, 200);
    await h.record(recordId, 'resubmission_required');
    assert.equal(await system.db.screeningClearance.count({ where: { subjectId: customer.id } }), 0, 'one pair of eyes grants no clearance');

    const retried = await api(system, 'POST', `/api/kyc/records/${recordId}/retry/`, { token: customer.token });
    assert.equal(retried.status, 200, retried.text);
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.attempt >= 2 && r.status === 'pending', 30_000, 'the second attempt’s session');
    await decide(system, recordId, { status: 'approved' });
    const second = await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'under_review' || r.status === 'approved', 30_000, 'the second attempt decided');
    assert.equal(second.status, 'under_review', 'the second attempt is not approved automatically');
    assert.ok(h.codes(second).includes('SANCTIONS_HIT') && h.codes(second).includes('PRIOR_LIST_HIT'), JSON.stringify(second.riskReasons));

    // The same reviewer approving opens the second approval; the case is not approved by one person.
    const again = await h.openTask(recordId, [task.id]);
    const approver = h.reviewer(again.assigneeId);
    const firstApproval = await h.decideTask(approver, again.id, { decision: 'approve' });
    assert.equal(firstApproval.status, 200, firstApproval.text);
    assert.equal(firstApproval.json.stage, 'second_approval');
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } })).status, 'under_review');
    const confirm = await h.openTask(recordId, [task.id, again.id]);
    assert.notEqual(confirm.assigneeId, approver.id);
    assert.equal((await h.decideTask(h.reviewer(confirm.assigneeId), confirm.id, { decision: 'approve' })).status, 200);
    await h.record(recordId, 'approved');
    const clearances = await system.db.screeningClearance.findMany({ where: { subjectId: customer.id } });
    assert.ok(clearances.length >= 1 && clearances.every((c) => c.clearedBy === first.id && c.confirmedBy !== null && c.confirmedBy !== c.clearedBy && c.identityHash), JSON.stringify(clearances));
  });

  test('when one reviewer clears the hits and rejects, then the customer’s new verification is held for people again', async () => {
    const customer = await createUser(system);
    const { recordId, task, first } = await listedCaseResolvedByOne(customer);
    assert.equal((await h.decideTask(first, task.id, { decision: 'reject', reason_code: 'other' })).status, 200);
    await h.record(recordId, 'rejected');
    assert.equal(await system.db.screeningClearance.count({ where: { subjectId: customer.id } }), 0);

    const next = await h.start(customer, LISTED_APPLICANT);
    const record = await h.record(next, 'under_review');
    assert.ok(h.codes(record).includes('SANCTIONS_HIT') && h.codes(record).includes('PRIOR_LIST_HIT'), JSON.stringify(record.riskReasons));
    const hits = await h.hits(next, auditor);
    assert.ok(hits.length >= 1 && hits.every((hit) => hit.status === 'open'), 'the new verification’s hits are open again');
  });

  test('when an approval is sent to Temporal directly while a hit is open, then the review workflow refuses it; a forged actor changes nothing; a resolution it refuses leaves the store as it was', async () => {
    const customer = await createUser(system);
    const recordId = await h.start(customer, LISTED_APPLICANT);
    await h.record(recordId, 'under_review');
    const task = await h.openTask(recordId);
    const assignee = h.reviewer(task.assigneeId);
    const review = system.client.workflow.getHandle(task.workflowId);

    // An insider holding the payload key, skipping the API: the workflow applies the rule itself.
    const direct = await review.executeUpdate(decideUpdate, { args: [{ taskId: task.id, actorId: assignee.id, actorRole: 'reviewer', decision: 'approve' }] }).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(direct instanceof WorkflowUpdateFailedError && direct.cause instanceof ApplicationFailure, String(direct));
    assert.equal(direct.cause.type, 'ScreeningUnresolved');
    assert.match(direct.cause.message, /not resolved yet/);

    // A made-up senior reviewer, and a customer claiming the senior role: the store knows them not.
    const [hit] = await h.hits(recordId, auditor);
    for (const actorId of [randomUUID(), customer.id]) {
      const forged = await review.executeUpdate(resolveHitUpdate, { args: [{ taskId: task.id, actorId, actorRole: 'senior_reviewer', caseHitId: hit!.hit_id, resolution: 'false_positive' }] }).then(
        () => null,
        (err: unknown) => err,
      );
      assert.ok(forged instanceof WorkflowUpdateFailedError && forged.cause instanceof ApplicationFailure, String(forged));
      assert.equal(forged.cause.type, 'ActorNotAllowed');
    }
    // Through the API, a reviewer who may not decide the case: refused by the workflow's validator.
    const notMine = await h.resolve(h.other(assignee.id), recordId, hit!.hit_id, { resolution: 'true_match' });
    assert.equal(notMine.status, 403, notMine.text);

    const stored = await system.db.screeningCaseHit.findUniqueOrThrow({ where: { id: hit!.hit_id } });
    assert.deepEqual([stored.status, stored.resolvedBy], ['open', null]);
    const wallet = await system.db.wallet.findUniqueOrThrow({ where: { userId: customer.id } });
    assert.equal(wallet.restrictedAt, null);
    assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } })).screeningMatchConfirmedAt, null);
    const decided = await system.db.kycEvent.count({ where: { kycRecordId: recordId, eventType: { in: ['REVIEW_DECISION', 'SCREENING_HIT_CLEARED', 'SCREENING_MATCH_CONFIRMED'] } } });
    assert.equal(decided, 0, 'no decision or resolution on the trail');
    const state = await review.query(reviewStateQuery);
    assert.deepEqual([state.outcome, state.stage, state.screening?.hits.every((h) => h.status === 'open')], [null, 'review', true]);
  });

  test('when a client without the payload key sends a decision to Temporal, then the update is refused before any rule runs and nothing changes', async () => {
    const customer = await createUser(system);
    const recordId = await h.start(customer, LISTED_APPLICANT);
    await h.record(recordId, 'under_review');
    const task = await h.openTask(recordId);
    const connection = await Connection.connect({ address: system.config.TEMPORAL_ADDRESS });
    try {
      // The Temporal CLI's way: plain JSON payloads.
      const plain = new Client({ connection, namespace: system.config.TEMPORAL_NAMESPACE });
      const forged = await plain.workflow
        .getHandle(task.workflowId)
        .executeUpdate(decideUpdate, { args: [{ taskId: task.id, actorId: task.assigneeId!, actorRole: 'senior_reviewer', decision: 'reject', reasonCode: 'other' }] })
        .then(
          () => null,
          (err: unknown) => err,
        );
      assert.ok(forged instanceof WorkflowUpdateFailedError, String(forged));
      assert.match(String(forged.cause?.message ?? forged.message), /refused-not-encrypted-with-the-payload-key/);
    } finally {
      await connection.close();
    }
    const state = await system.client.workflow.getHandle(task.workflowId).query(reviewStateQuery);
    assert.equal(state.outcome, null);
    assert.equal((await system.db.reviewTask.findUniqueOrThrow({ where: { id: task.id } })).status, 'open');
    assert.equal(await system.db.kycEvent.count({ where: { kycRecordId: recordId, eventType: 'REVIEW_DECISION' } }), 0);
    // The same client with the data converter of the API (the payload key) is heard.
    const sealed = new Client({ connection: system.client.connection, namespace: system.config.TEMPORAL_NAMESPACE, dataConverter: kycDataConverter(system.config) });
    const rejected = await sealed.workflow.getHandle(task.workflowId).executeUpdate(decideUpdate, { args: [{ taskId: task.id, actorId: task.assigneeId!, actorRole: 'reviewer', decision: 'reject', reasonCode: 'other' }] });
    assert.equal(rejected.state.outcome?.decision, 'reject');
  });
});

describe('screening fails closed', () => {
  let system: TestSystem;
  const h = harness(() => system);

  before(async () => {
    // No list loaded at all, and OFAC and UN required, each at most 48 hours old; the refresh reads the bundled copies.
    const sources = BUNDLED_LISTS.filter((l) => l.source !== 'opensanctions').map((l) => `${l.source}=${l.paths[0]}`).join(',');
    system = await startTestSystem({ SCREENING_MAX_LIST_AGE_HOURS: '48', SCREENING_SOURCES: sources }, { lists: false });
    await h.addReviewers();
  });
  after(async () => {
    await system?.stop();
  });

  test('when no list is in force, then a clean applicant is held in review with SCREENING_INCOMPLETE and a critical alert, approval waits for the lists, and approving then screens again', async () => {
    const customer = await createUser(system);
    const recordId = await h.start(customer, { first_name: 'Thandiwe', last_name: 'Mokoena', date_of_birth: '1991-04-12' });
    const record = await h.record(recordId, 'under_review');
    assert.deepEqual(h.codes(record), ['SCREENING_INCOMPLETE']);
    const alerts = await system.db.opsAlert.findMany({ where: { kind: 'screening_lists_unavailable', resolvedAt: null }, orderBy: { conditionKey: 'asc' } });
    assert.deepEqual(alerts.map((a) => [a.conditionKey, a.severity]), [
      ['screening_lists_unavailable:ofac-sdn', 'critical'],
      ['screening_lists_unavailable:un-sc', 'critical'],
    ]);

    const task = await h.openTask(recordId);
    const assignee = h.reviewer(task.assigneeId);
    const early = await h.decideTask(assignee, task.id, { decision: 'approve' });
    assert.equal(early.status, 409, early.text);
    assert.match(String(early.json.detail), /The screening is incomplete: the ofac-sdn list is not loaded; the un-sc list is not loaded/);

    await ensureBundledLists(system.db);
    const approved = await h.decideTask(assignee, task.id, { decision: 'approve' });
    assert.equal(approved.status, 200, approved.text);
    await h.record(recordId, 'approved');
    const runs = await system.db.screeningRun.findMany({ where: { recordId }, orderBy: { createdAt: 'asc' } });
    assert.equal(runs.length, 2, 'screened at the decision (against nothing), and again at the approval');
    assert.ok(runs[1]!.listVersionIds.length >= 2);
    assert.ok((await system.db.kycEvent.findMany({ where: { kycRecordId: recordId } })).some((e) => e.eventType === 'SCREENING_REPEATED'));
  });

  test('when the lists in force are older than their maximum age, then verifications are held; a refresh that finds them unchanged makes them current and resolves the alert', async () => {
    await ensureBundledLists(system.db);
    await system.db.screeningListVersion.updateMany({ data: { checkedAt: new Date(Date.now() - 72 * 3_600_000) } });
    const customer = await createUser(system);
    const recordId = await h.start(customer, { first_name: 'Sipho', last_name: 'Nkosi', date_of_birth: '1987-09-30' });
    const record = await h.record(recordId, 'under_review');
    assert.deepEqual(h.codes(record), ['SCREENING_INCOMPLETE']);
    assert.match((record.riskReasons as { detail: string }[])[0]!.detail, /the ofac-sdn list was last refreshed .* \(more than 48 hours ago\)/);
    assert.ok(await system.db.opsAlert.count({ where: { kind: 'screening_lists_unavailable', conditionKey: 'screening_lists_unavailable:un-sc', resolvedAt: null } }));
    const task = await h.openTask(recordId);
    assert.equal((await h.decideTask(h.reviewer(task.assigneeId), task.id, { decision: 'approve' })).status, 409);

    // The daily refresh, configured with the publishers' files as they are: unchanged, confirmed current.
    const refreshed = await refreshLists(system);
    assert.ok(refreshed.every((s) => s.ok && s.status === 'unchanged'), JSON.stringify(refreshed));
    assert.equal(await system.db.opsAlert.count({ where: { kind: 'screening_lists_unavailable', resolvedAt: null } }), 0, 'the refresh resolved the alerts');
    assert.equal((await h.decideTask(h.reviewer(task.assigneeId), task.id, { decision: 'approve' })).status, 200);
    await h.record(recordId, 'approved');
  });
});

/** The daily list refresh, run once (its SCREENING_SOURCES name the bundled copies, as an operator's mirror would). */
async function refreshLists(system: TestSystem) {
  const result = await system.client.workflow.execute(screeningListRefresh, {
    workflowId: `test-refresh-${randomUUID()}`,
    taskQueue: system.config.TEMPORAL_TASK_QUEUE,
    args: [{ settings: { hitAction: 'review', reviewSlaSeconds: 3600, escalationSlaSeconds: 3600 } }],
  });
  return result.sources;
}
