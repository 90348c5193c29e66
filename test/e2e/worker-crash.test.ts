// needs: postgres, temporal, workflow-bundle, fonts
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client as PgClient } from 'pg';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { decide } from '../support/veriff';

// The worker process is killed (SIGKILL) in the middle of the wallet upgrade, then started again:
// the approval and the upgrade happen exactly once.

function startWorkerProcess(system: TestSystem): { child: ChildProcess; output: string[] } {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: system.config.DATABASE_URL,
      TEMPORAL_ADDRESS: system.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: system.config.TEMPORAL_TASK_QUEUE,
      VERIFF_BASE_URL: system.config.VERIFF_BASE_URL,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  return { child, output };
}

describe('worker crash during the wallet upgrade', () => {
  let system: TestSystem;
  let lock: PgClient;
  const workers: ChildProcess[] = [];

  before(async () => {
    system = await startTestSystem({}, { worker: false });
    lock = new PgClient({ connectionString: system.config.DATABASE_URL });
    await lock.connect();
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await lock?.end();
    await system?.stop();
  });

  test('when the worker dies mid-upgrade and comes back, then the wallet is upgraded exactly once', async () => {
    const first = startWorkerProcess(system);
    workers.push(first.child);
    await eventually(async () => first.output.join(''), (out) => out.includes('"state":"RUNNING"'), 120_000, 'the worker process to run');
    const user = await createUser(system);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: applicant() });
    assert.equal(started.status, 201, `${started.text}\n${first.output.join('')}`);
    const id = started.json.id as string;

    // Hold the wallet row so the upgrade blocks inside its transaction, then kill the worker there.
    await lock.query('BEGIN');
    await lock.query('SELECT id FROM wallets WHERE user_id = $1 FOR UPDATE', [user.id]);
    await decide(system, id, { status: 'approved' });
    await eventually(
      async () => {
        // pg_stat_activity is read once per transaction and this connection holds one open (the
        // lock): without clearing the snapshot every poll would see the first one's backends.
        await lock.query('SELECT pg_stat_clear_snapshot()');
        return (await lock.query("SELECT wait_event_type, state, left(query, 80) AS q FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'")).rows as { wait_event_type: string | null; q: string }[];
      },
      (rows) => rows.some((r) => r.wait_event_type === 'Lock'),
      60_000,
      'the upgrade to block on the wallet row',
    ).catch(async (err: Error) => {
      const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id }, select: { status: true, workflowId: true } });
      const events = await system.db.kycEvent.findMany({ where: { kycRecordId: id }, select: { eventType: true, createdAt: true } });
      const pending = (await system.client.workflow.getHandle(record.workflowId).describe()).raw.pendingActivities;
      throw new Error(`${err.message}\nrecord: ${record.status}\nevents: ${JSON.stringify(events)}\npending activities: ${JSON.stringify(pending)}\nworker output:\n${first.output.join('').slice(-6000)}`);
    });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    // The killed worker's upgrade is one statement waiting for the row inside PostgreSQL: once the
    // row is free, PostgreSQL runs it to its end (it learns that its client is gone only when it
    // answers). Whether that lands or not, the retried upgrade below must leave one upgrade.
    await lock.query('ROLLBACK');

    const second = startWorkerProcess(system);
    workers.push(second.child);
    const wallet = await eventually(() => system.db.wallet.findUniqueOrThrow({ where: { userId: user.id } }), (w) => w.walletType === 'verified', 60_000, 'the retried upgrade');
    assert.equal(wallet.upgradedByRecordId, id);

    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id } });
    assert.equal(record.status, 'approved');
    const handle = system.client.workflow.getHandle(record.workflowId, record.workflowRunId);
    const result = await handle.result();
    assert.equal(result.status, 'approved');
    const audit = await system.db.kycEvent.findMany({ where: { kycRecordId: id } });
    assert.equal(audit.filter((e) => e.eventType === 'WALLET_UPGRADED').length, 1);
    assert.equal(audit.filter((e) => e.eventType === 'KYC_APPROVED').length, 1);
    assert.equal(await system.db.outboxEvent.count({ where: { kycRecordId: id, type: 'KYC_VERIFIED' } }), 1);

    // The history proves the upgrade really was interrupted and run again: it is a local activity
    // (a marker, no activity task of its own), and the workflow task the killed worker held timed
    // out before the next worker completed it.
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'upgradeWallet').length, 0);
    const upgradeMarkers = events.filter((e) => {
      const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type === 'upgradeWallet' : false;
    });
    assert.equal(upgradeMarkers.length, 1);
    const timedOut = events.findIndex((e) => e.workflowTaskTimedOutEventAttributes);
    assert.ok(timedOut >= 0 && timedOut < events.indexOf(upgradeMarkers[0]!), 'the dead worker\'s workflow task timed out before the upgrade was recorded');
  });
});
