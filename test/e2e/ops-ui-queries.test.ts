// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ensureOpsSchedules } from '../../worker/schedules';
import { OPS_SCHEDULE_IDS } from '../../workflows/ops.contract';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// The "Temporal UI queries" of docs/operations.md, read from the page itself and run against the dev
// server: every one verbatim (a typo would fail here rather than mislead ops), and, with the page's
// example values replaced by this test's, each finds the workflows it promises.

const OPERATIONS_PAGE = path.resolve(__dirname, '../../docs/operations.md');
const EXAMPLE_INSTANT = '2026-11-21T10:00:00Z';
const EXAMPLE_REVIEWER = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const EXAMPLE_RECORD = '0b7e7c43-2f1e-4f5e-9a52-3c1d2b8e6f10';

async function documentedQueries(): Promise<Map<string, string>> {
  const text = await readFile(OPERATIONS_PAGE, 'utf8');
  const start = text.indexOf('\n## Temporal UI queries');
  assert.ok(start >= 0, 'docs/operations.md has its Temporal UI queries section');
  const next = text.indexOf('\n## ', start + 1);
  const end = next >= 0 ? next : text.length;
  const queries = new Map<string, string>();
  for (const line of text.slice(start, end).split('\n')) {
    const match = line.match(/^\| (.+?) \| `(.+)` \|$/);
    if (match) queries.set(match[1]!, match[2]!);
  }
  return queries;
}

describe('Temporal UI queries in docs/operations.md', () => {
  let system: TestSystem;
  let queries: Map<string, string>;
  let senior: TestUser;
  const records = {} as { waiting: string; risky: string; terminated: string };
  const idPrefix = `test-${randomUUID().slice(0, 8)}-`;
  const scheduleId = `${idPrefix}${OPS_SCHEDULE_IDS.stuckCheck}`;

  const start = async (body: Record<string, unknown> = {}) => {
    const customer = await createUser(system);
    const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant(body) });
    assert.equal(response.status, 201, response.text);
    return response.json.id as string;
  };
  const recordOf = (id: string) => system.db.kycRecord.findUniqueOrThrow({ where: { id } });

  // Runs a documented query restricted to this test's task queue; returns the workflow ids found.
  const find = async (query: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const execution of system.client.workflow.list({ query: `(${query}) AND TaskQueue = "${system.config.TEMPORAL_TASK_QUEUE}"` })) ids.push(execution.workflowId);
    return ids;
  };
  const query = (what: string) => {
    const found = [...queries.entries()].find(([label]) => label.startsWith(what));
    assert.ok(found, `docs/operations.md has a query for "${what}"`);
    return found[1];
  };

  before(async () => {
    // Reviews escalate after a second here, so the escalated-review query has something to find.
    system = await startTestSystem({ KYC_REVIEW_SLA: '1' }, { autoDecideDelayMs: null });
    queries = await documentedQueries();
    await createUser(system, 'reviewer');
    senior = await createUser(system, 'senior_reviewer');

    records.waiting = await start();
    records.risky = await start();
    // Veriff asks for a review, reads another name and attaches two risk labels: 30 + 40 + 50, capped at 100.
    await decide(system, records.risky, { status: 'review', person: { firstName: 'Someone', lastName: 'Else' }, riskLabels: [{ label: 'document_integration_level_crosslinked_with_fraud' }, { label: 'estimated_age_mismatch' }] });
    records.terminated = await start({ country: 'ZA', nationality: 'ZA' });
    const terminated = await recordOf(records.terminated);
    await system.client.workflow.getHandle(terminated.workflowId, terminated.workflowRunId).terminate('test');
    await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: records.risky, level: 'senior', status: 'open' } }), (t) => t !== null, 20_000, 'the escalated review');

    await ensureOpsSchedules(system.client, system.config, { idPrefix });
    await system.client.schedule.getHandle(scheduleId).trigger();
  });
  after(async () => {
    for (const id of Object.values(OPS_SCHEDULE_IDS)) await system?.client.schedule.getHandle(`${idPrefix}${id}`).delete().catch(() => undefined);
    await system?.stop();
  });

  const firstPage = async (text: string) => {
    for await (const _ of system.client.workflow.list({ query: text })) break;
  };

  test('when each documented query runs verbatim, then the server accepts it (and it refuses misspelt names, statuses and instants)', async () => {
    assert.ok(queries.size >= 10, `found ${queries.size} queries`);
    for (const [label, text] of queries) await assert.doesNotReject(() => firstPage(text), `"${label}": ${text}`);
    await assert.rejects(() => firstPage('KycStatuz = "pending"'));
    await assert.rejects(() => firstPage('ExecutionStatus = "Runing"'));
    await assert.rejects(() => firstPage('StartTime < "two hours ago"'));
  });

  test('when the documented queries run with this test’s values, then each finds the workflows it describes', async () => {
    const waiting = await recordOf(records.waiting);
    const risky = await recordOf(records.risky);
    const terminated = await recordOf(records.terminated);
    const reviewWorkflow = `${risky.workflowId}-review-1`;
    const soon = new Date(Date.now() + 60_000).toISOString();

    // Visibility is eventually consistent: each check polls until the expected set shows up.
    const expectFound = async (what: string, substitute: (q: string) => string, expected: string[], absent: string[] = []) => {
      const text = substitute(query(what));
      const found = await eventually(() => find(text), (ids) => expected.every((id) => ids.includes(id)), 20_000, `${what}: ${text}`);
      for (const id of absent) assert.ok(!found.includes(id), `${what} should not find ${id}: ${text}`);
    };
    const same = (q: string) => q;

    await expectFound('verifications stuck', (q) => q.replace(EXAMPLE_INSTANT, soon), [waiting.workflowId], [risky.workflowId, terminated.workflowId]);
    await expectFound('escalated reviews', same, [reviewWorkflow]);
    await expectFound('high-risk', same, [risky.workflowId], [waiting.workflowId]);
    await expectFound('verifications from one country', same, [waiting.workflowId, risky.workflowId], [terminated.workflowId]);
    await expectFound('verifications in manual review', same, [risky.workflowId], [waiting.workflowId]);
    const assignee = (await system.db.reviewTask.findFirstOrThrow({ where: { kycRecordId: records.risky, status: 'open' } })).assigneeId;
    assert.equal(assignee, senior.id);
    await expectFound("one reviewer's open cases", (q) => q.replace(EXAMPLE_REVIEWER, senior.id), [reviewWorkflow]);
    await expectFound('everything about one record', (q) => q.replace(EXAMPLE_RECORD, records.risky), [risky.workflowId, reviewWorkflow], [waiting.workflowId]);
    await expectFound('verifications that ended abnormally', same, [terminated.workflowId], [waiting.workflowId]);
    const scheduled = await eventually(() => system.client.schedule.getHandle(scheduleId).describe(), (d) => d.info.recentActions.length > 0, 20_000, 'the triggered run');
    await expectFound('runs of one ops schedule', (q) => q.replace(OPS_SCHEDULE_IDS.stuckCheck, scheduleId), [scheduled.info.recentActions[0]!.action.workflow.workflowId]);
  });
});
