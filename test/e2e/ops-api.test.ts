// needs: postgres, temporal, workflow-bundle, fonts
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../../api/app';
import { alertThresholds } from '../../domain/alerts';
import { createLogger } from '../../infra/logger';
import { createApiMetrics, METRIC_NAMES, startMetricsServer, type MetricsServer } from '../../infra/metrics';
import { signPayload } from '../../vendors/veriff/signature';
import { opsDailyReport, opsStuckVerificationCheck } from '../../workflows/ops-checks';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { insertCustomer, insertRecord, minutesAgo, runWorkflow } from '../support/ops';
import { decide } from '../support/veriff';
import { gaugeSnapshot } from '../../store/ops-queries';

// The operations API: the monitoring queries over dated records in real PostgreSQL, the
// alerts endpoint, request ids in logs, and the Prometheus endpoints after real traffic.

const DAY = 86_400_000;
const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
const at = (daysAgo: number, time: string) => new Date(`${utcDay(daysAgo)}T${time}Z`);
const plusMinutes = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);

describe('admin statistics', () => {
  let system: TestSystem;
  let admin: TestUser;
  let auditor: TestUser;
  let reviewer: TestUser;
  const ids: Record<string, string> = {};
  const users: Record<string, string> = {};

  before(async () => {
    system = await startTestSystem();
    [admin, auditor, reviewer] = [await createUser(system, 'admin'), await createUser(system, 'auditor'), await createUser(system, 'reviewer')];
    // Two days ago: BW approved in 30 min, ZA approved in 90 min, ZA rejected, BW still pending.
    const d2 = (time: string) => at(2, time);
    users.sharedA = await insertCustomer(system);
    users.sharedB = await insertCustomer(system);
    users.retrier = await insertCustomer(system);
    ids.bwApproved = (await insertRecord(system, { status: 'approved', country: 'BW', createdAt: d2('08:00:00'), verifiedAt: plusMinutes(d2('08:00:00'), 30) })).id;
    ids.zaApproved = (await insertRecord(system, { userId: users.sharedA, status: 'approved', country: 'ZA', documentNumber: 'BP777777777', createdAt: d2('09:00:00'), verifiedAt: plusMinutes(d2('09:00:00'), 90) })).id;
    ids.zaRejected = (await insertRecord(system, { userId: users.retrier, status: 'rejected', country: 'ZA', documentNumber: 'BP888888888', createdAt: d2('10:00:00') })).id;
    ids.bwPending = (await insertRecord(system, { status: 'pending', country: 'BW', createdAt: d2('11:00:00') })).id;
    // Three days ago: BW approved in 120 min; the same ZA customer again with the same passport, rejected; NG expired (the other ZA customer's passport).
    ids.bwApproved3 = (await insertRecord(system, { status: 'approved', country: 'BW', createdAt: at(3, '07:00:00'), verifiedAt: plusMinutes(at(3, '07:00:00'), 120) })).id;
    ids.zaRejected3 = (await insertRecord(system, { userId: users.retrier, status: 'rejected', country: 'ZA', documentNumber: 'BP888888888', createdAt: at(3, '12:00:00') })).id;
    ids.ngExpired = (await insertRecord(system, { userId: users.sharedB, status: 'expired', country: 'NG', documentNumber: 'BP777777777', createdAt: at(3, '13:00:00') })).id;
    // Ten days ago (outside the week): NG rejected. Now: BW pending.
    ids.ngOld = (await insertRecord(system, { status: 'rejected', country: 'NG', createdAt: at(10, '12:00:00') })).id;
    ids.bwNow = (await insertRecord(system, { status: 'pending', country: 'BW', createdAt: new Date() })).id;
  });
  after(async () => {
    await system?.stop();
  });

  test('when the daily statistics are asked for, then the last 7 days come newest first with totals, outcomes and the average processing time', async () => {
    const response = await api(system, 'GET', '/api/admin/stats/daily/', { token: auditor.token });
    assert.equal(response.status, 200, response.text);
    const body = response.json as { time_zone: string; days: { date: string; total: number; approved: number; rejected: number; pending: number; avg_processing_minutes: number | null }[] };
    assert.equal(body.time_zone, 'UTC');
    assert.deepEqual(body.days.map((d) => d.date), [0, 1, 2, 3, 4, 5, 6].map(utcDay));
    assert.deepEqual(body.days[0], { date: utcDay(0), total: 1, approved: 0, rejected: 0, pending: 1, avg_processing_minutes: null });
    assert.deepEqual(body.days[1], { date: utcDay(1), total: 0, approved: 0, rejected: 0, pending: 0, avg_processing_minutes: null });
    assert.deepEqual(body.days[2], { date: utcDay(2), total: 4, approved: 2, rejected: 1, pending: 1, avg_processing_minutes: 60 });
    assert.deepEqual(body.days[3], { date: utcDay(3), total: 3, approved: 1, rejected: 1, pending: 0, avg_processing_minutes: 120 });
    assert.equal(body.days.reduce((sum, d) => sum + d.total, 0), 8, 'the record of ten days ago is outside the week');

    const fortnight = await api(system, 'GET', '/api/admin/stats/daily/?days=14', { token: admin.token });
    assert.equal((fortnight.json.days as unknown[]).length, 14);
    assert.equal((await api(system, 'GET', '/api/admin/stats/daily/?days=0', { token: admin.token })).status, 422);
  });

  test('when the country distribution is asked for, then each country has its total, approvals and approval rate, biggest first', async () => {
    const response = await api(system, 'GET', '/api/admin/stats/countries/', { token: auditor.token });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json.items, [
      { country: 'BW', total: 4, approved: 2, approval_rate: 50 },
      { country: 'ZA', total: 3, approved: 1, approval_rate: 33.33 },
      { country: 'NG', total: 2, approved: 0, approval_rate: 0 },
    ]);
    const lastWeek = await api(system, 'GET', '/api/admin/stats/countries/?days=7', { token: auditor.token });
    assert.deepEqual((lastWeek.json.items as { country: string; total: number }[]).find((c) => c.country === 'NG')?.total, 1);
  });

  test('when duplicate documents are asked for, then the groups of several customers come by keyed hash with their user and record ids, never the number', async () => {
    const response = await api(system, 'GET', '/api/admin/stats/duplicate-documents/', { token: auditor.token });
    assert.equal(response.status, 200, response.text);
    const items = response.json.items as { fingerprint: string; usage_count: number; user_count: number; user_ids: string[]; record_ids: string[] }[];
    assert.equal(items.length, 1, 'one customer reusing their own passport is not listed');
    assert.equal(items[0]!.fingerprint, system.cipher.documentHash('BP777777777').slice(0, 16));
    assert.equal(items[0]!.usage_count, 2);
    assert.equal(items[0]!.user_count, 2);
    assert.deepEqual([...items[0]!.user_ids].sort(), [users.sharedA, users.sharedB].sort());
    assert.deepEqual(items[0]!.record_ids, [ids.ngExpired, ids.zaApproved]);
    assert.doesNotMatch(response.text, /BP777777777|BP888888888/);
  });

  test('when stuck records are asked for, then those pending or in_progress past the threshold come oldest first', async () => {
    const response = await api(system, 'GET', '/api/admin/stats/stuck/', { token: admin.token });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.older_than_minutes, 120);
    assert.equal(response.json.count, 1);
    const [item] = response.json.items as { id: string; status: string; minutes_since_created: number }[];
    assert.equal(item?.id, ids.bwPending);
    assert.ok(item!.minutes_since_created > 24 * 60);
    const strict = await api(system, 'GET', '/api/admin/stats/stuck/?older_than_minutes=100000', { token: admin.token });
    assert.equal(strict.json.count, 0);
  });

  test('when a reviewer or a customer asks for statistics, then the answer is 403', async () => {
    const customer = await createUser(system);
    for (const path of ['/api/admin/stats/daily/', '/api/admin/stats/countries/', '/api/admin/stats/duplicate-documents/', '/api/admin/stats/stuck/', '/api/admin/stats/reports/', '/api/admin/alerts/']) {
      assert.equal((await api(system, 'GET', path, { token: reviewer.token })).status, 403, path);
      assert.equal((await api(system, 'GET', path, { token: customer.token })).status, 403, path);
      assert.equal((await api(system, 'GET', path)).status, 401, path);
    }
  });

  test('when the stuck check has run, then its alerts are listed, filtered, paged and acknowledged by an admin only', async () => {
    await runWorkflow(system, opsStuckVerificationCheck, { thresholds: { ...alertThresholds(system.config), pendingRecordsLimit: 1 } });
    const listed = await api(system, 'GET', '/api/admin/alerts/', { token: auditor.token });
    assert.equal(listed.status, 200, listed.text);
    const items = listed.json.items as { id: string; kind: string; severity: string; details: Record<string, unknown>; acknowledged_at: string | null; resolved_at: string | null }[];
    assert.deepEqual(items.map((a) => a.kind).sort(), ['pending_backlog', 'stuck_verifications']);
    const stuck = items.find((a) => a.kind === 'stuck_verifications')!;
    assert.deepEqual(stuck.details.recordIds, [ids.bwPending]);
    assert.equal(stuck.acknowledged_at, null);

    const filtered = await api(system, 'GET', '/api/admin/alerts/?kind=pending_backlog', { token: auditor.token });
    assert.deepEqual((filtered.json.items as { kind: string }[]).map((a) => a.kind), ['pending_backlog']);
    const firstPage = await api(system, 'GET', '/api/admin/alerts/?limit=1', { token: auditor.token });
    assert.equal((firstPage.json.items as unknown[]).length, 1);
    const secondPage = await api(system, 'GET', `/api/admin/alerts/?limit=1&cursor=${firstPage.json.next_cursor as string}`, { token: auditor.token });
    assert.notEqual((secondPage.json.items as { id: string }[])[0]?.id, (firstPage.json.items as { id: string }[])[0]?.id);
    assert.equal((await api(system, 'GET', '/api/admin/alerts/?state=sleeping', { token: auditor.token })).status, 422);

    assert.equal((await api(system, 'POST', `/api/admin/alerts/${stuck.id}/acknowledge/`, { token: auditor.token })).status, 403);
    const acknowledged = await api(system, 'POST', `/api/admin/alerts/${stuck.id}/acknowledge/`, { token: admin.token });
    assert.equal(acknowledged.status, 200, acknowledged.text);
    assert.equal(acknowledged.json.acknowledged_by, admin.id);
    const again = await api(system, 'POST', `/api/admin/alerts/${stuck.id}/acknowledge/`, { token: admin.token });
    assert.equal(again.json.acknowledged_at, acknowledged.json.acknowledged_at);
    assert.equal((await api(system, 'POST', `/api/admin/alerts/${randomUUID()}/acknowledge/`, { token: admin.token })).status, 404);
    const unacknowledged = await api(system, 'GET', '/api/admin/alerts/?state=unacknowledged', { token: auditor.token });
    assert.deepEqual((unacknowledged.json.items as { kind: string }[]).map((a) => a.kind), ['pending_backlog']);
    const stillOpen = await api(system, 'GET', '/api/admin/alerts/?state=open', { token: auditor.token });
    assert.equal((stillOpen.json.items as unknown[]).length, 2, 'acknowledged is not resolved: the condition still holds');
  });
});

describe('request ids and Prometheus metrics', () => {
  let system: TestSystem;
  let apiUrl: string;
  let server: http.Server;
  let metricsServer: MetricsServer;
  const logs: string[] = [];

  before(async () => {
    system = await startTestSystem({}, { autoDecideDelayMs: null });
    const metrics = createApiMetrics({ readGauges: () => gaugeSnapshot(system.db, { stuckAfterHours: 2, brokerConfigured: false }) });
    const app = createApp({ db: system.db, temporal: system.client, cipher: system.cipher, config: system.config, logger: createLogger('debug', { service: 'metrics-test' }, (line) => logs.push(line)), metrics });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    metricsServer = await startMetricsServer(metrics, 0, '127.0.0.1');
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await metricsServer?.close();
    await system?.stop();
  });

  const call = (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) => fetch(`${apiUrl}${path}`, { method, headers: init.headers, body: init.body });
  const parsedLogs = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>);

  test('when a request carries a sane X-Request-Id, then it is echoed and on every log line of the request; otherwise a new one is made', async () => {
    const echoed = await call('GET', '/api/kyc/summary/', { headers: { 'x-request-id': 'trace-0042.abc', authorization: 'Bearer not-a-token' } });
    assert.equal(echoed.status, 401);
    assert.equal(echoed.headers.get('x-request-id'), 'trace-0042.abc');
    const lines = parsedLogs().filter((l) => l.requestId === 'trace-0042.abc');
    assert.deepEqual(lines.map((l) => l.msg).sort(), ['request', 'security event'], JSON.stringify(lines));
    const access = lines.find((l) => l.msg === 'request')!;
    assert.equal(access.route, '/api/kyc/summary/');
    assert.equal(access.status, 401);
    assert.equal(typeof access.durationMs, 'number');

    for (const bad of ['has spaces in it', 'x'.repeat(200), '<script>']) {
      const replaced = await call('GET', '/api/v1/health', { headers: { 'x-request-id': bad } });
      assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    }
    const made = await call('GET', '/api/v1/health');
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('when there has been traffic, then /metrics serves Prometheus text with requests by route pattern, webhook verdicts and the queue gauges', async () => {
    const customer = await createUser(system);
    const reviewer = await createUser(system, 'reviewer');
    const recordId = randomUUID();
    await call('GET', '/api/v1/health');
    await call('GET', '/no/such/route/' + recordId);
    await call('GET', `/api/kyc/records/${recordId}/status/`, { headers: { authorization: `Bearer ${customer.token}` } });
    await call('GET', '/api/review/queue/', { headers: { authorization: `Bearer ${reviewer.token}` } });
    const webhook = (body: string, signature?: string) => call('POST', '/api/kyc/webhook/veriff/', { headers: { 'content-type': 'application/json', 'x-auth-client': system.config.VERIFF_API_KEY, ...(signature ? { 'x-hmac-signature': signature } : {}) }, body });
    const unknown = JSON.stringify({ id: randomUUID(), action: 'started', vendorData: 'not-a-record', attemptId: randomUUID() });
    assert.equal((await webhook(unknown)).status, 401);
    assert.equal((await webhook(unknown, 'ab'.repeat(32))).status, 401);
    assert.equal((await webhook(unknown, signPayload(unknown, system.config.VERIFF_WEBHOOK_SECRET))).status, 200);
    assert.equal((await webhook('{not json', signPayload('{not json', system.config.VERIFF_WEBHOOK_SECRET))).status, 400);

    // A verification decided through the system (its webhooks go to the system's API) and a review task and outbox backlog.
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant() });
    assert.equal(started.status, 201, started.text);
    await decide(system, started.json.id as string, { status: 'approved' });
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: started.json.id as string } }), (r) => r.status === 'approved', 20_000, 'the approval');
    const waiting = await insertRecord(system, { status: 'pending', createdAt: minutesAgo(200) });
    await system.db.reviewTask.create({ data: { kycRecordId: waiting.id, workflowId: 'wf', level: 'standard', dueAt: new Date(Date.now() + DAY), decision: 'escalate', decidedAt: new Date() } });
    await system.db.outboxEvent.create({ data: { type: 'TEST', source: '/test', data: {}, dedupeKey: randomUUID() } });

    const response = await fetch(metricsServer.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const sample = (line: string) => assert.ok(text.split('\n').some((l) => l.startsWith(line)), `missing ${line} in\n${text.split('\n').filter((l) => l.startsWith('kyc_')).join('\n')}`);
    sample(`${METRIC_NAMES.httpRequests}{method="GET",route="/api/v1/health",status="200"}`);
    sample(`${METRIC_NAMES.httpRequests}{method="GET",route="unmatched",status="404"}`);
    sample(`${METRIC_NAMES.httpRequests}{method="GET",route="/api/kyc/records/:id/status/",status="404"}`);
    sample(`${METRIC_NAMES.httpRequests}{method="GET",route="/api/review/queue/",status="200"}`);
    sample(`${METRIC_NAMES.httpDuration}_bucket{le="0.005",method="GET",route="/api/v1/health"}`);
    sample(`${METRIC_NAMES.webhooks}{verdict="missing",outcome="rejected_signature"} 1`);
    sample(`${METRIC_NAMES.webhooks}{verdict="invalid",outcome="rejected_signature"} 1`);
    sample(`${METRIC_NAMES.webhooks}{verdict="valid",outcome="unknown_session"} 1`);
    sample(`${METRIC_NAMES.webhooks}{verdict="valid",outcome="malformed"} 1`);
    sample(`${METRIC_NAMES.reviewTasksOpen}{level="standard"} 1`);
    sample(`${METRIC_NAMES.reviewTasksOpen}{level="senior"} 0`);
    sample(`${METRIC_NAMES.outboxUnpublished} `);
    sample(`${METRIC_NAMES.verificationsActive}{status="pending"} 1`);
    sample(`${METRIC_NAMES.verificationsStuck} 1`);
    sample(`${METRIC_NAMES.verificationOutcomes}{result="approved"} 1`);
    sample(`${METRIC_NAMES.verificationOutcomes}{result="rejected"} 0`);
    sample(`${METRIC_NAMES.reviewDecisions}{decision="escalate"} 1`);
    sample(`${METRIC_NAMES.databaseUp} 1`);
    sample('process_cpu_user_seconds_total');
    assert.ok(!text.includes(recordId), 'labels carry route patterns, never raw URLs');
    assert.equal((await fetch(metricsServer.url.replace('/metrics', '/other'))).status, 404);
  });
});

describe('worker runtime: Prometheus metrics and JSON logs', () => {
  let system: TestSystem;
  let worker: ChildProcess | undefined;
  const output: string[] = [];

  before(async () => {
    system = await startTestSystem({}, { worker: false });
  });
  after(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker!.once('exit', resolve));
    }
    await system?.stop();
  });

  const freePort = async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
  };

  test('when the standalone worker runs a workflow, then its runtime serves temporal_ metrics on WORKER_METRICS_PORT and its logs are JSON lines with workflow ids', async () => {
    const port = await freePort();
    worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: system.config.DATABASE_URL, TEMPORAL_ADDRESS: system.config.TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: system.config.TEMPORAL_TASK_QUEUE, WORKER_METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await eventually(async () => output.join(''), (text) => text.includes('"worker running"'), 60_000, 'the worker to start');

    const result = await runWorkflow(system, opsDailyReport, { thresholds: alertThresholds(system.config), timeZone: 'UTC', reportDate: '2026-01-05' });
    assert.equal(result.figures.total, 0);

    const metrics = await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      (text) => text.includes('temporal_workflow_completed') && text.includes('temporal_activity_execution_latency'),
      20_000,
      'worker metrics',
    );
    for (const name of ['temporal_workflow_completed', 'temporal_activity_execution_latency', 'temporal_workflow_task_execution_latency', 'temporal_num_pollers', 'temporal_worker_task_slots_available']) {
      assert.ok(metrics.includes(name), `${name} missing`);
    }
    assert.match(metrics, new RegExp(`task_queue="${system.config.TEMPORAL_TASK_QUEUE}"`));

    // Every line the worker writes is a JSON object (the SDK's and Core's logs included).
    const jsonLines = () => output.join('').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    const stored = await eventually(async () => jsonLines().find((l) => l.msg === 'daily KYC report stored'), (l) => l !== undefined, 10_000, 'the activity log line');
    assert.equal(stored!.service, 'kyc-worker');
    assert.equal(stored!.level, 'info');
    assert.equal(stored!.workflowType, 'opsDailyReport');
    assert.equal(stored!.activityType, 'storeDailyReport');
    assert.match(String(stored!.workflowId), /^ops-test-/);
  });
});
