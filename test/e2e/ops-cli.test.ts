// needs: postgres, temporal, workflow-bundle, fonts
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { insertRecord, minutesAgo } from '../support/ops';
import { decide } from '../support/veriff';

// `npm run ops -- <command>` (the on-call status check), spawned as ops would run it, against
// a running system: real workflows, real database.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('ops CLI', () => {
  let system: TestSystem;
  let running: string;
  let approved: string;
  let terminated: string;
  let stuck: string;

  const ops = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', ...args], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: system.config.DATABASE_URL, TEMPORAL_ADDRESS: system.config.TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: system.config.TEMPORAL_TASK_QUEUE },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  const start = async () => {
    const customer = await createUser(system);
    const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(response.status, 201, response.text);
    return response.json.id as string;
  };

  before(async () => {
    system = await startTestSystem({}, { autoDecideDelayMs: null });
    running = await start();
    approved = await start();
    await decide(system, approved, { status: 'approved', withEvents: true });
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: approved } }), (r) => r.status === 'approved', 20_000, 'the approval');
    terminated = await start();
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: terminated } });
    await system.client.workflow.getHandle(record.workflowId, record.workflowRunId).terminate('test: killed by hand');
    stuck = (await insertRecord(system, { status: 'pending', country: 'ZA', createdAt: minutesAgo(180) })).id;
  });
  after(async () => {
    await system?.stop();
  });

  test('when `stuck` runs, then it lists the verifications waiting past the threshold, oldest first', async () => {
    const result = await ops('stuck');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^1 verification\(s\) pending or in_progress for more than 120 minutes/);
    assert.match(result.stdout, new RegExp(`${stuck}\\s+\\S+\\s+pending\\s+ZA`));
    assert.doesNotMatch(result.stdout, new RegExp(running));
    const wide = JSON.parse((await ops('stuck', '--minutes', '0.001', '--json')).stdout) as { count: number; records: { id: string }[] };
    assert.equal(wide.count, 3);
    assert.deepEqual(wide.records.map((r) => r.id).sort(), [stuck, running, terminated].sort());
  });

  test('when `pending` runs, then it shows the backlog against the limit, the active statuses and the queues', async () => {
    const result = await ops('pending');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^3 verification\(s\) waiting for the customer \(pending \+ in_progress\); alert limit 100\n/);
    assert.match(result.stdout, /pending\s+3/);
    assert.match(result.stdout, /open review tasks: standard 0, senior 0; unpublished outbox events: \d+/);
    const json = JSON.parse((await ops('pending', '--json')).stdout) as { awaitingCustomer: number; overLimit: boolean };
    assert.deepEqual({ awaiting: json.awaitingCustomer, over: json.overLimit }, { awaiting: 3, over: false });
  });

  test('when `show` runs, then the audit trail and the workflow history stand side by side with the workflow state, and no PII is printed', async () => {
    const result = await ops('show', running);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^status\s+pending\s+pending$/m);
    assert.match(result.stdout, /^execution\s+-\s+RUNNING since/m);
    assert.match(result.stdout, /^KycStatus\s+-\s+pending$/m);
    assert.match(result.stdout, /KYC_CREATED -> pending \(customer\)/);
    assert.match(result.stdout, /activity createKycRecord/);
    assert.match(result.stdout, /activity openVendorSession/);
    assert.match(result.stdout, /search attributes KycCountry=BW KycRecordId=[0-9a-f-]{36} KycStatus=pending$/m);
    assert.match(result.stdout, /\d{4}-\d\d-\d\dT\S+Z\s+SESSION_CREATED \(system\)/);
    assert.doesNotMatch(result.stdout, /John|Doe|1990-01-01|Main St|BP\d{9}|https?:\/\/\S+session/i);

    const done = JSON.parse((await ops('show', approved, '--json')).stdout) as { record: { status: string }; workflow: { status: string }; workflowState: { status: string; sessionUrl: string | null }; history: { what: string }[]; events: { eventType: string }[] };
    assert.equal(done.record.status, 'approved');
    assert.equal(done.workflow.status, 'COMPLETED');
    assert.equal(done.workflowState.status, 'approved', 'the completed workflow shows its result');
    assert.ok(done.workflowState.sessionUrl === null || done.workflowState.sessionUrl === '(set)', 'the session URL is never printed');
    assert.ok(done.history.some((h) => h.what === 'signal vendorUpdate'));
    assert.ok(done.history.some((h) => h.what === 'workflow completed'));
    assert.ok(done.events.some((e) => e.eventType === 'KYC_APPROVED'));

    const missing = await ops('show', randomUUID());
    assert.equal(missing.code, 2);
    assert.equal((await ops('show', 'not-an-id')).code, 2);
    assert.equal((await ops('frobnicate')).code, 2);
  });

  test('when `reconcile` runs, then records whose status and workflow disagree are reported and the exit code says so', async () => {
    const result = await ops('reconcile');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^checked 4 record\(s\) .*: 2 disagreement\(s\)$/m);
    assert.match(result.stdout, new RegExp(`${terminated}\\s+pending\\s+TERMINATED`));
    assert.match(result.stdout, new RegExp(`${stuck}\\s+pending\\s+NOT_FOUND`));
    assert.doesNotMatch(result.stdout, new RegExp(`${running}|${approved}`));

    await system.db.kycRecord.updateMany({ where: { id: { in: [terminated, stuck] } }, data: { status: 'expired' } });
    const clean = await ops('reconcile', '--json');
    assert.equal(clean.code, 0, clean.stdout);
    assert.deepEqual((JSON.parse(clean.stdout) as { mismatches: unknown[] }).mismatches, []);
  });
});
