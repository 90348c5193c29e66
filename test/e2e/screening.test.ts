// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REVIEW_REJECTION_TEXT } from '../../domain/review';
import { screeningRescreen } from '../../workflows/screening-monitor';
import { rescreenProgressQuery, screeningCaseWorkflowId, type RescreenProgress, type ScreeningCaseResult } from '../../workflows/screening-monitor.contract';
import { LISTED_PERSON, loadFollowTheMoney, loadUnList, rescreenNewVersions, unListXml, withChangedListedPerson, withListedIndividual } from '../support/screening';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// Sanctions and PEP screening in the product, on the real Temporal server and PostgreSQL with the
// bundled UN list (real listed people) and FollowTheMoney sample: a listed applicant is stopped and
// reviewed with four eyes; a false positive is cleared with a reason and stays cleared on
// rescreen; a true match rejects with a neutral text, alerts ops and restricts the wallet; a list
// update catches approved customers and opens review cases (restricting the wallet when so
// configured); the ad-hoc search and the lists.

interface CaseHit {
  hit_id: string;
  status: string;
  trigger: string;
  entry_id: string;
  source: string;
  kind: string;
  name: string;
  matched_name: string;
  score: number;
  explanation: { name: { matched_name: string; score: number }; adjustments: { factor: string }[] };
  entry: { names: { name: string; type: string }[]; birth_dates: { date?: string }[]; countries: string[] } | null;
  resolution: { by: string; reason: string | null } | null;
}
interface CaseFile {
  record: { status: string; risk_reasons: { code: string }[] };
  review: { decisions: string[] | null } | null;
  screening: { applicant: { names: string[]; date_of_birth: string | null; countries: string[] }[]; hits: CaseHit[]; runs: { trigger: string; result: string; lists: { source: string }[] }[] };
}

describe('sanctions and PEP screening', () => {
  let system: TestSystem;
  const reviewers = new Map<string, TestUser>();
  let auditor: TestUser;

  before(async () => {
    system = await startTestSystem({ SCREENING_REQUIRED_SOURCES: 'un-sc' }, { lists: false });
    for (const role of ['reviewer', 'reviewer', 'senior_reviewer'] as const) {
      const user = await createUser(system, role);
      reviewers.set(user.id, user);
    }
    auditor = await createUser(system, 'auditor');
    await loadUnList(system);
    await loadFollowTheMoney(system);
    // The first versions of the lists are rescreened like any new version (nobody is approved yet).
    assert.equal((await rescreenNewVersions(system, { hitAction: 'review' })).progress.screened, 0);
  });
  after(async () => {
    await system?.stop();
  });

  const reviewer = (id: string | null) => {
    const found = id ? reviewers.get(id) : undefined;
    assert.ok(found, `the task must be assigned to one of our reviewers, was ${id}`);
    return found;
  };
  const otherReviewer = (...not: (string | null)[]) => [...reviewers.values()].find((r) => !not.includes(r.id))!;

  async function verification(body: Record<string, unknown>, decision: Record<string, unknown>) {
    const customer = await createUser(system);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant(body) });
    assert.equal(started.status, 201, started.text);
    const recordId = started.json.id as string;
    await decide(system, recordId, decision as { status: string });
    return { customer, recordId };
  }
  const recordIn = (recordId: string, status: string) =>
    eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === status, 30_000, `record ${recordId} to be ${status}`);
  const openTask = (recordId: string, not: string[] = []) =>
    eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: recordId, status: 'open', id: { notIn: not } } }), (t) => t !== null, 30_000, `an open task on ${recordId}`).then((t) => t!);
  const caseFile = async (recordId: string) => {
    const response = await api(system, 'GET', `/api/review/cases/${recordId}/`, { token: auditor.token });
    assert.equal(response.status, 200, response.text);
    return response.json as unknown as CaseFile;
  };
  const resolve = (who: TestUser, recordId: string, hitId: string, body: unknown) => api(system, 'POST', `/api/review/cases/${recordId}/screening-hits/${hitId}/resolution/`, { token: who.token, body });
  const decideTask = (who: TestUser, taskId: string, body: unknown) => api(system, 'POST', `/api/review/tasks/${taskId}/decision/`, { token: who.token, body });
  const outboxTypes = async (recordId: string) => (await system.db.outboxEvent.findMany({ where: { kycRecordId: recordId }, orderBy: { subjectSeq: 'asc' } })).map((e) => e.type);
  const auditTypes = async (recordId: string) => (await system.db.kycEvent.findMany({ where: { kycRecordId: recordId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.eventType);

  /** Approves a case whose hits are all cleared: its assignee, then a different reviewer (four eyes). */
  async function approveWithFourEyes(recordId: string) {
    const first = await openTask(recordId);
    const approved = await decideTask(reviewer(first.assigneeId), first.id, { decision: 'approve' });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.stage, 'second_approval');
    const second = await openTask(recordId, [first.id]);
    assert.notEqual(second.assigneeId, first.assigneeId);
    const confirmed = await decideTask(reviewer(second.assigneeId), second.id, { decision: 'approve' });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(confirmed.json.outcome, 'approve');
  }

  let clearedRecordId = '';
  let clearedCustomer: TestUser;

  test('when the identity Veriff read is a person on the UN list, then the verification stops for a four-eyes review, the hit is shown next to the applicant, and approval waits until it is cleared with a reason', async () => {
    const { customer, recordId } = await verification({}, { status: 'approved', person: { firstName: LISTED_PERSON.first_name, lastName: LISTED_PERSON.last_name, dateOfBirth: '1948-05-05', nationality: 'RW' } });
    clearedRecordId = recordId;
    clearedCustomer = customer;
    const record = await recordIn(recordId, 'under_review');
    assert.ok((record.riskReasons as { code: string }[]).some((r) => r.code === 'SANCTIONS_HIT'), JSON.stringify(record.riskReasons));

    const file = await caseFile(recordId);
    assert.deepEqual(file.screening.applicant.map((a) => [a.names, a.date_of_birth]), [
      [['John Doe'], '1990-01-01'],
      [['Gaston Iyamuremye'], '1948-05-05'],
    ]);
    assert.deepEqual(file.screening.applicant[0]!.countries, ['BW', 'RW']);
    assert.equal(file.screening.hits.length, 1);
    const hit = file.screening.hits[0]!;
    assert.deepEqual([hit.entry_id, hit.source, hit.kind, hit.status, hit.trigger], [LISTED_PERSON.entryId, 'un-sc', 'sanction', 'open', 'onboarding']);
    assert.ok(hit.score >= system.config.SCREENING_MATCH_THRESHOLD && hit.score <= 1, String(hit.score));
    assert.ok(hit.entry!.names.some((n) => n.name === 'Victor Rumuri' && n.type === 'aka'), 'the aliases are shown');
    assert.deepEqual(hit.entry!.birth_dates, [{ date: '1948' }]);
    assert.ok(hit.entry!.countries.includes('RW'));
    assert.ok(hit.explanation.adjustments.some((a) => a.factor === 'country_match'), JSON.stringify(hit.explanation));
    // Every screening is stored: which lists, which versions, the result.
    assert.deepEqual(file.screening.runs.map((r) => [r.trigger, r.result, r.lists.map((l) => l.source).sort()]), [['onboarding', 'potential_match', ['opensanctions', 'un-sc']]]);

    const task = await openTask(recordId);
    const assignee = reviewer(task.assigneeId);
    const early = await decideTask(assignee, task.id, { decision: 'approve' });
    assert.equal(early.status, 409);
    assert.match(String(early.json.detail), /^1 sanctions or PEP list hit is not resolved yet/);

    const noReason = await resolve(assignee, recordId, hit.hit_id, { resolution: 'false_positive' });
    assert.equal(noReason.status, 422);
    assert.deepEqual((noReason.json.errors as { field: string; message: string }[]).map((e) => [e.field, e.message]), [['reason', 'a reason is required to clear a hit as a false positive']]);
    const notMine = await resolve(otherReviewer(task.assigneeId, ...[...reviewers.values()].filter((r) => r.username.startsWith('senior')).map((r) => r.id)), recordId, hit.hit_id, { resolution: 'true_match' });
    assert.equal(notMine.status, 403, notMine.text);

    const reason = 'Different person: the document shows another date of birth and nationality';
    const cleared = await resolve(assignee, recordId, hit.hit_id, { resolution: 'false_positive', reason });
    assert.equal(cleared.status, 200, cleared.text);
    assert.deepEqual(cleared.json, { hit_id: hit.hit_id, status: 'false_positive', open_hits: 0, case: 'open' });
    assert.equal((await resolve(assignee, recordId, hit.hit_id, { resolution: 'true_match' })).status, 409, 'a hit is resolved once');

    const stored = await system.db.screeningCaseHit.findUniqueOrThrow({ where: { id: hit.hit_id } });
    assert.ok(stored.reasonEnc && !stored.reasonEnc.includes('Different person'), 'the reason is stored encrypted');
    assert.equal(await system.stores.personalData.open(stored.subjectId, stored.reasonEnc), reason);
    // One pair of eyes resolved it: no clearance yet, the second reviewer's approval grants it.
    assert.equal(await system.db.screeningClearance.count({ where: { subjectId: customer.id } }), 0);
    const resolved = (await caseFile(recordId)).screening.hits[0]!;
    assert.deepEqual([resolved.status, resolved.resolution?.by, resolved.resolution?.reason], ['false_positive', assignee.id, reason]);

    await approveWithFourEyes(recordId);
    await recordIn(recordId, 'approved');
    const clearances = await system.db.screeningClearance.findMany({ where: { subjectId: customer.id } });
    assert.deepEqual(clearances.map((c) => [c.entryId, c.entryContentHash, c.identityHash, c.clearedBy]), [[LISTED_PERSON.entryId, stored.entryContentHash, stored.identityHash, assignee.id]]);
    assert.ok(clearances[0]!.confirmedBy && clearances[0]!.confirmedBy !== assignee.id, 'confirmed by the second approver');
    assert.match(stored.identityHash ?? '', /^[0-9a-f]{64}$/, 'bound to the identity screened, as a keyed hash');
    assert.deepEqual((await outboxTypes(recordId)).filter((t) => t.startsWith('SCREENING')), ['SCREENING_HIT', 'SCREENING_CLEARED']);
    const hitEvent = await system.db.outboxEvent.findFirstOrThrow({ where: { kycRecordId: recordId, type: 'SCREENING_HIT' } });
    assert.deepEqual(hitEvent.data, { ...(hitEvent.data as object), lists: ['un-sc'], matchCount: 1, trigger: 'onboarding' });
    assert.ok(!JSON.stringify(hitEvent.data).includes('Gaston') && !JSON.stringify(hitEvent.data).includes('IYAMUREMYE'), 'no name in the event');
    assert.ok((await auditTypes(recordId)).includes('SCREENING_HIT_CLEARED'));
  });

  test('when a reviewer confirms a hit as a true match, then the case is rejected with a neutral text, ops are alerted, the wallet is restricted and the trail has it all; another customer’s clearance does not apply', async () => {
    const { customer, recordId } = await verification({ first_name: LISTED_PERSON.first_name, last_name: LISTED_PERSON.last_name, date_of_birth: '1948-02-02', nationality: 'RW' }, { status: 'approved' });
    const record = await recordIn(recordId, 'under_review');
    assert.deepEqual((record.riskReasons as { code: string }[]).map((r) => r.code), ['SANCTIONS_HIT']);
    const [hit] = (await caseFile(recordId)).screening.hits;
    assert.deepEqual([hit!.entry_id, hit!.status], [LISTED_PERSON.entryId, 'open'], 'the first customer’s clearance is theirs alone');

    const task = await openTask(recordId);
    const confirmed = await resolve(reviewer(task.assigneeId), recordId, hit!.hit_id, { resolution: 'true_match' });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.deepEqual([confirmed.json.status, confirmed.json.case], ['true_match', 'rejected']);

    const rejected = await recordIn(recordId, 'rejected');
    assert.equal(rejected.statusReason, REVIEW_REJECTION_TEXT.sanctions_hit.reason);
    assert.ok(rejected.screeningMatchConfirmedAt, 'the record is marked');
    const own = await api(system, 'GET', `/api/kyc/records/${recordId}/status/`, { token: customer.token });
    assert.equal(own.json.reason, 'We could not verify your identity after review.');
    assert.doesNotMatch(own.text, /sanction|list|match/i, 'the customer is not told why');

    const alert = await system.db.opsAlert.findFirstOrThrow({ where: { kind: 'screening_true_match', conditionKey: `screening_true_match:${hit!.hit_id}` } });
    assert.equal(alert.severity, 'critical');
    assert.deepEqual([(alert.details as { recordId: string }).recordId, (alert.details as { entryId: string }).entryId], [recordId, LISTED_PERSON.entryId]);
    const wallet = await system.db.wallet.findUniqueOrThrow({ where: { userId: customer.id } });
    assert.deepEqual([wallet.walletType, wallet.restrictionReason, wallet.restrictedAt !== null], ['basic', 'screening_match_confirmed', true]);
    assert.equal(((await api(system, 'GET', '/api/kyc/summary/', { token: customer.token })).json.wallet as { restricted: boolean }).restricted, true);

    const trail = await system.db.kycEvent.findMany({ where: { kycRecordId: recordId, eventType: { in: ['SCREENING_MATCH_CONFIRMED', 'REVIEW_DECISION'] } }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(trail.map((e) => [e.eventType, e.actorId, (e.data as { reasonCode?: string }).reasonCode ?? null]), [
      ['SCREENING_MATCH_CONFIRMED', task.assigneeId, null],
      ['REVIEW_DECISION', task.assigneeId, 'sanctions_hit'],
    ]);
  });

  test('when a politically exposed person applies, then PEP_HIT sends the case to a four-eyes review with the FollowTheMoney entry', async () => {
    const { recordId } = await verification({ first_name: 'Angela', last_name: 'Merkel', date_of_birth: '1954-07-17', nationality: 'DE', document_type: 'id_card' }, { status: 'approved' });
    const record = await recordIn(recordId, 'under_review');
    assert.deepEqual((record.riskReasons as { code: string }[]).map((r) => r.code), ['PEP_HIT']);
    const { hits } = (await caseFile(recordId)).screening;
    assert.deepEqual(hits.map((h) => [h.entry_id, h.kind, h.score]), [['opensanctions:Q567', 'pep', 1]]);
    const task = await openTask(recordId);
    const resolved = await resolve(reviewer(task.assigneeId), recordId, hits[0]!.hit_id, { resolution: 'false_positive', reason: 'Namesake' });
    assert.equal(resolved.status, 200, resolved.text);
    const first = await decideTask(reviewer(task.assigneeId), task.id, { decision: 'approve' });
    assert.equal(first.json.stage, 'second_approval', 'PEP_HIT takes four eyes');
  });

  test('when every approved customer is rescreened against all lists, batch by batch across continued runs, then a cleared false positive stays cleared and no case opens; the progress is in the query and the table', async () => {
    const clean = await verification({ first_name: 'Kagiso', last_name: 'Molefe', date_of_birth: '1985-06-15' }, { status: 'approved' });
    await recordIn(clean.recordId, 'approved');
    const approved = await system.db.kycRecord.count({ where: { status: 'approved' } });
    const workflowId = `test-full-rescreen-${clean.recordId}`;
    const handle = await system.client.workflow.start(screeningRescreen, {
      workflowId,
      taskQueue: system.config.TEMPORAL_TASK_QUEUE,
      // One customer per batch and two batches per run: the run continues as new along the way.
      args: [{ trigger: 'periodic', listVersionIds: [], settings: { hitAction: 'restrict', reviewSlaSeconds: 3600, escalationSlaSeconds: 3600 }, batching: { size: 1, perRun: 2 } }],
    });
    const progress = (await handle.result()) as RescreenProgress;
    // The last batch finds nobody left.
    assert.deepEqual(progress, { screened: approved, withHits: 0, casesOpened: 0, batches: approved + 1 });
    const runsOf = async () => {
      const runs: string[] = [];
      for await (const execution of system.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(execution.runId);
      return runs.length;
    };
    assert.equal(await eventually(runsOf, (n) => n === Math.ceil((approved + 1) / 2), 10_000, 'the runs in visibility'), Math.ceil((approved + 1) / 2), 'one run per two batches');
    const state = await handle.query(rescreenProgressQuery);
    const last = await system.db.kycRecord.findFirstOrThrow({ where: { status: 'approved' }, orderBy: { id: 'desc' } });
    assert.deepEqual([state.done, state.screened, state.after], [true, approved, last.id]);
    const row = await system.db.screeningRescreen.findUniqueOrThrow({ where: { workflowId } });
    assert.deepEqual([row.status, row.trigger, row.screened, row.casesOpened], ['completed', 'periodic', approved, 0]);

    const run = await system.db.screeningRun.findFirstOrThrow({ where: { recordId: clearedRecordId, trigger: 'periodic' }, include: { hits: true } });
    assert.equal(run.result, 'clear');
    assert.deepEqual(run.hits.map((h) => [h.entryId, h.cleared]), [[LISTED_PERSON.entryId, true]], 'found again, and still cleared');
    assert.equal(await system.db.reviewTask.count({ where: { kycRecordId: clearedRecordId, status: 'open' } }), 0);
    assert.equal((await system.db.wallet.findUniqueOrThrow({ where: { userId: clearedCustomer.id } })).restrictedAt, null);
  });

  test('when a new UN list version changes a cleared entry and lists an approved customer, then the rescreen opens a case for each and restricts their wallets; a true match keeps the restriction, cleared hits lift it', async () => {
    const listed = await system.db.kycRecord.findFirstOrThrow({ where: { status: 'approved', screeningCaseHits: { none: {} }, userId: { not: clearedCustomer.id } }, orderBy: { createdAt: 'desc' } });
    assert.equal(await system.stores.personalData.open(listed.userId, listed.firstNameEnc!), 'Kagiso');
    const xml = withListedIndividual(withChangedListedPerson(await unListXml()), { dataId: '99000001', first: 'Kagiso', second: 'Molefe', year: '1985', nationality: 'Botswana' });
    const loaded = await loadUnList(system, xml);
    assert.deepEqual([loaded.status, loaded.version.addedCount, loaded.version.changedCount], ['loaded', 1, 1]);

    const { progress } = await rescreenNewVersions(system, { hitAction: 'restrict' });
    assert.deepEqual([progress.withHits, progress.casesOpened], [2, 2]);
    for (const { recordId, userId } of [{ recordId: clearedRecordId, userId: clearedCustomer.id }, { recordId: listed.id, userId: listed.userId }]) {
      const wallet = await eventually(() => system.db.wallet.findUniqueOrThrow({ where: { userId } }), (w) => w.restrictedAt !== null, 30_000, `the wallet of ${recordId} restricted`);
      assert.equal(wallet.restrictionReason, 'screening_hit');
      await openTask(recordId);
      const types = await auditTypes(recordId);
      assert.ok(types.includes('SCREENING_HIT_FOUND') && types.includes('WALLET_RESTRICTED'), types.join(', '));
      assert.equal((await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } })).status, 'approved', 'the verification stands while it is reviewed');
    }

    // The listed customer: confirmed. The case is rejected, the wallet stays restricted for good.
    const listedHit = (await caseFile(listed.id)).screening.hits.find((h) => h.status === 'open')!;
    assert.deepEqual([listedHit.entry_id, listedHit.trigger], ['un-sc:99000001', 'list_update']);
    const listedTask = await openTask(listed.id);
    assert.equal((await resolve(reviewer(listedTask.assigneeId), listed.id, listedHit.hit_id, { resolution: 'true_match' })).status, 200);
    const confirmed = (await system.client.workflow.getHandle(screeningCaseWorkflowId(listed.id)).result()) as ScreeningCaseResult;
    assert.deepEqual(confirmed, { outcome: 'confirmed', decision: 'reject', reasonCode: 'sanctions_hit' });
    const frozen = await system.db.wallet.findUniqueOrThrow({ where: { userId: listed.userId } });
    assert.equal(frozen.restrictionReason, 'screening_match_confirmed');
    assert.ok((await system.db.kycRecord.findUniqueOrThrow({ where: { id: listed.id } })).screeningMatchConfirmedAt);

    // The customer cleared before: the entry changed, so the hit is back; cleared again, the case closes and the wallet is free.
    const monitoringCase = await caseFile(clearedRecordId);
    assert.deepEqual(monitoringCase.review?.decisions, ['approve', 'reject', 'escalate'], 'the page offers these decisions only');
    const back = monitoringCase.screening.hits;
    assert.deepEqual(back.map((h) => [h.entry_id, h.status, h.trigger]), [
      [LISTED_PERSON.entryId, 'open', 'list_update'],
      [LISTED_PERSON.entryId, 'false_positive', 'onboarding'],
    ]);
    const task = await openTask(clearedRecordId);
    const assignee = reviewer(task.assigneeId);
    const resubmit = await decideTask(assignee, task.id, { decision: 'request_resubmission' });
    assert.equal(resubmit.status, 409);
    assert.match(String(resubmit.json.detail), /does not offer "request_resubmission"/);
    assert.equal((await decideTask(assignee, task.id, { decision: 'approve' })).status, 409, 'not while the hit is open');
    assert.equal((await resolve(assignee, clearedRecordId, back[0]!.hit_id, { resolution: 'false_positive', reason: 'The new alias changes nothing: still another person' })).status, 200);
    await approveWithFourEyes(clearedRecordId);
    const cleared = (await system.client.workflow.getHandle(screeningCaseWorkflowId(clearedRecordId)).result()) as ScreeningCaseResult;
    assert.equal(cleared.outcome, 'cleared');
    const free = await system.db.wallet.findUniqueOrThrow({ where: { userId: clearedCustomer.id } });
    assert.deepEqual([free.restrictedAt, free.restrictionReason, free.walletType], [null, null, 'verified']);
    assert.ok((await auditTypes(clearedRecordId)).includes('WALLET_RESTRICTION_LIFTED'));
  });

  test('when SCREENING_HIT_ACTION is review, then a list update opens the case without restricting the wallet', async () => {
    const { customer, recordId } = await verification({ first_name: 'Lesego', last_name: 'Dlamini', date_of_birth: '1979-03-03' }, { status: 'approved' });
    await recordIn(recordId, 'approved');
    const xml = withListedIndividual(withListedIndividual(withChangedListedPerson(await unListXml()), { dataId: '99000001', first: 'Kagiso', second: 'Molefe', year: '1985', nationality: 'Botswana' }), { dataId: '99000002', first: 'Lesego', second: 'Dlamini', year: '1979', nationality: 'Botswana' });
    assert.equal((await loadUnList(system, xml)).version.addedCount, 1);
    const { progress } = await rescreenNewVersions(system, { hitAction: 'review' });
    assert.deepEqual([progress.withHits, progress.casesOpened], [1, 1]);
    await openTask(recordId);
    assert.equal((await system.db.wallet.findUniqueOrThrow({ where: { userId: customer.id } })).restrictedAt, null);
  });

  test('when staff search ad hoc, then hits come best first with entry ids, scores and explanations; bad input names the field and the rule; the lists show versions and rescreens', async () => {
    const found = await api(system, 'POST', '/api/screening/search', { token: auditor.token, body: { name: 'Gaston Iyamuremye', date_of_birth: '1948', country: 'rw', limit: 3 } });
    assert.equal(found.status, 200, found.text);
    const hits = found.json.hits as { entry_id: string; source: string; kind: string; name: string; matched_name: string; score: number; match: boolean; explanation: unknown }[];
    assert.deepEqual(Object.keys(hits[0]!).sort(), ['entry_id', 'explanation', 'kind', 'match', 'matched_name', 'name', 'score', 'source']);
    assert.deepEqual([hits[0]!.entry_id, hits[0]!.source, hits[0]!.kind, hits[0]!.match], [LISTED_PERSON.entryId, 'un-sc', 'sanction', true]);
    assert.ok(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score), 'best first');

    const bad = await api(system, 'POST', '/api/screening/search', { token: auditor.token, body: { name: ' ', date_of_birth: '1948-02-30', country: 'XX', limit: 51 } });
    assert.equal(bad.status, 422);
    assert.deepEqual((bad.json.errors as { field: string; message: string }[]).map((e) => [e.field, e.message]), [
      ['name', 'must not be empty'],
      ['date_of_birth', 'must be a real calendar date'],
      ['country', 'is not an ISO 3166-1 alpha-2 country code'],
      ['limit', 'must be at most 50'],
    ]);
    const customer = await createUser(system);
    assert.equal((await api(system, 'POST', '/api/screening/search', { token: customer.token, body: { name: 'x' } })).status, 403);

    const lists = await api(system, 'GET', '/api/screening/lists', { token: reviewer([...reviewers.keys()][0]!).token });
    assert.equal(lists.status, 200, lists.text);
    const sources = lists.json.sources as { source: string; in_force: { entry_count: number; added: number } | null }[];
    assert.deepEqual(sources.map((s) => [s.source, s.in_force !== null]), [['ofac-sdn', false], ['un-sc', true], ['opensanctions', true]]);
    assert.equal(sources[1]!.in_force!.added, 1, 'the UN version in force is the last one loaded');
    assert.equal((lists.json.versions as unknown[]).length, 4);
    const rescreens = lists.json.rescreens as { trigger: string; status: string; screened: number; cases_opened: number }[];
    assert.ok(rescreens.every((r) => r.status === 'completed'), JSON.stringify(rescreens));
    assert.equal(lists.json.match_threshold, system.config.SCREENING_MATCH_THRESHOLD);
  });
});
