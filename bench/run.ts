import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { startTemporalDevServer, type RunningDevServer } from '../scripts/temporal-dev-server';
import { KYC_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { api, createUser, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../test/support/system';
import { decide } from '../test/support/veriff';
import { ceilingActivities, reachedMarkedStep } from './ceiling-activities';
import { ceilingWorkflow, proceedSignal, readyUpdate, type CeilingPlan } from './ceiling-workflow';

// `npm run bench`: the real system (API, Veriff simulator, worker, PostgreSQL) against a bare
// Temporal ceiling on the same dev server in the same run. It prints figures and asserts nothing
// about them: timings depend on the machine, so a threshold would only make a flaky test.

const EventType = temporal.api.enums.v1.EventType;

// kycVerification's approved path as read in workflows/kyc-verification.ts; the recorded history
// is what the ceiling follows, this list only says when the two disagree.
const EXPECTED_APPROVED_ACTIVITIES = ['createKycRecord', 'openVendorSession', 'recordTransition', 'recordTransition', 'assessRisk', 'recordTransition', 'upgradeWallet', 'deliverNotifications'];
// What the approved decision's own signal sets off up to the upgrade, where the kyc latency ends.
// The ceiling has one signal where the real run has three (started and submitted run their
// transitions earlier), so its like-for-like end is this many activities after its signal.
const APPROVED_DECISION_TO_UPGRADE = ['assessRisk', 'recordTransition', 'upgradeWallet'];

// Bounds every wait, so a stuck verification fails the run instead of hanging it.
const PER_ITEM_TIMEOUT_MS = 60_000;
// The wallet poll runs on its own connection; 20 ms keeps its load on PostgreSQL small while
// adding at most that much to a lane's turnaround (the kyc latency comes from stored timestamps).
const UPGRADE_POLL_MS = 20;
// scrypt runs on libuv's four threads: more parallel logins only queue.
const USER_SETUP_CONCURRENCY = 4;

// Each customer is a different person behind a different address, as in real traffic: one shared
// document number would send every approval to manual review (duplicate document), and one
// client IP would hit the per-IP start limit and turn its counter row into a lock everyone queues on.
interface Customer extends TestUser {
  application: Record<string, string>;
  clientIp: string;
}

// With an address per customer the limit never binds and its check still runs (and is measured);
// the high limit only stops a change in how the client IP is read from failing the whole run.
const SYSTEM_OVERRIDES = { KYC_RATE_LIMIT_PER_IP: '1000000' };

interface Options {
  n: number;
  concurrency: number;
  warmup: number;
}

const USAGE = `usage: npm run bench -- [--n N] [--concurrency C] [--warmup W]
  --n            measured verifications (env BENCH_N, default 200)
  --concurrency  verifications in flight at once (env BENCH_CONCURRENCY, default 20)
  --warmup       verifications run first and not measured (env BENCH_WARMUP, default 10)`;

function readOptions(): Options {
  const { values } = parseArgs({
    options: { n: { type: 'string' }, concurrency: { type: 'string', short: 'c' }, warmup: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (flag: string | undefined, envName: string, fallback: number, min: number): number => {
    const raw = flag ?? process.env[envName];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${envName.replace('BENCH_', '--').toLowerCase()} must be an integer >= ${min} (got ${raw})\n${USAGE}`);
    return value;
  };
  return { n: int(values.n, 'BENCH_N', 200, 1), concurrency: int(values.concurrency, 'BENCH_CONCURRENCY', 20, 1), warmup: int(values.warmup, 'BENCH_WARMUP', 10, 0) };
}

// Both ports are held open together so the two answers cannot be the same port.
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

// At most `concurrency` tasks in flight. After a failure no new item starts, and the tasks in
// flight settle (each is bounded) before the first error is thrown, so teardown never races them.
async function runPool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (failure) throw failure.error;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// One query for every lane waiting on an upgrade, instead of one poll loop per lane competing
// with the system under test for its five-connection pool.
class UpgradeWatcher {
  private readonly waiting = new Map<string, { resolve: () => void; reject: (err: Error) => void; deadline: number }>();
  private loop: Promise<void> | undefined;

  constructor(private readonly pg: PgClient) {}

  wait(userId: string): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.set(userId, { resolve, reject, deadline: Date.now() + PER_ITEM_TIMEOUT_MS }));
    this.loop ??= this.run();
    return done;
  }

  private async run(): Promise<void> {
    try {
      while (this.waiting.size > 0) {
        await sleep(UPGRADE_POLL_MS);
        let upgraded: Set<string>;
        try {
          const result = await this.pg.query<{ user_id: string }>('SELECT user_id::text FROM wallets WHERE upgraded_at IS NOT NULL AND user_id = ANY($1::uuid[])', [[...this.waiting.keys()]]);
          upgraded = new Set(result.rows.map((r) => r.user_id));
        } catch (err) {
          for (const waiter of this.waiting.values()) waiter.reject(err as Error);
          this.waiting.clear();
          return;
        }
        const now = Date.now();
        for (const [userId, waiter] of this.waiting) {
          if (upgraded.has(userId)) waiter.resolve();
          else if (now > waiter.deadline) waiter.reject(new Error(`wallet of ${userId} not upgraded within ${PER_ITEM_TIMEOUT_MS} ms`));
          else continue;
          this.waiting.delete(userId);
        }
      }
    } finally {
      // Synchronous with the emptiness check above: a wait() after this starts a new loop.
      this.loop = undefined;
    }
  }
}

// Nearest-rank percentile: always a value that was actually observed.
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

interface PhaseResult {
  name: string;
  n: number;
  concurrency: number;
  wallMs: number;
  throughput: number;
  latency: LatencySummary;
  latencyMeaning: string;
  // Ceiling only: signal sent -> the like-for-like end of the kyc latency (see ceiling-activities.ts).
  toMarkedStep?: LatencySummary;
  start: LatencySummary;
  startMeaning: string;
  cpu: CpuSplit;
  elu: number;
}

// CPU per component over a phase, from Linux's /proc (figures read '-' elsewhere): with API,
// simulator, worker and driver in this one process, the split says which part ran out of CPU.
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  ticks: number;
}

function readProcStat(pid: number | string): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    // Fields after the command name start at field 3 (state); utime and stime are fields 14 and 15.
    const rest = stat.slice(close + 2).split(' ');
    return { pid: Number(pid), comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

function allProcesses(): ProcStat[] {
  try {
    return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((pid) => readProcStat(pid) ?? []);
  } catch {
    return [];
  }
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

interface CpuSplit {
  selfS: number;
  temporalS: number | null;
  postgresS: number | null;
  // Everything else on the machine: other users' jobs show up here, and they skew every figure.
  otherS: number | null;
  // The largest of those, to tell a neighbour's job from our own side effects.
  topOthers: string[];
  machineBusy: number | null;
}

function meter() {
  const cpu = process.cpuUsage();
  const elu: EventLoopUtilization = performance.eventLoopUtilization();
  const processes = allProcesses();
  const machine = machineTicks();
  const started = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - started;
    const after = allProcesses();
    const before = new Map(processes.map((p) => [p.pid, p.ticks]));
    // A backend born during the phase counts from zero; one that ended during it is lost (rare: pools keep theirs).
    const delta = (match: (p: ProcStat) => boolean) => {
      const found = after.filter(match);
      return found.length ? found.reduce((sum, p) => sum + p.ticks - (before.get(p.pid) ?? 0), 0) / CLOCK_TICKS : null;
    };
    const machineAfter = machineTicks();
    const selfS = (used.user + used.system) / 1e6;
    const isTemporal = (p: ProcStat) => p.ppid === process.pid && p.comm === 'temporal';
    const temporalS = delta(isTemporal);
    const postgresS = delta((p) => p.comm === 'postgres');
    const topOthers = after
      .filter((p) => p.pid !== process.pid && !isTemporal(p) && p.comm !== 'postgres')
      .map((p) => ({ p, s: (p.ticks - (before.get(p.pid) ?? p.ticks)) / CLOCK_TICKS }))
      .filter((o) => o.s >= 0.5)
      .sort((a, b) => b.s - a.s)
      .slice(0, 3)
      .map((o) => `${o.p.comm}[${o.p.pid}] ${o.s.toFixed(1)} s`);
    const busyS = machine && machineAfter ? (machineAfter.busy - machine.busy) / CLOCK_TICKS : null;
    const split: CpuSplit = {
      selfS,
      temporalS,
      postgresS,
      otherS: busyS === null ? null : Math.max(0, busyS - selfS - (temporalS ?? 0) - (postgresS ?? 0)),
      topOthers,
      machineBusy: machine && machineAfter ? (machineAfter.busy - machine.busy) / Math.max(1, machineAfter.total - machine.total) : null,
    };
    return { wallMs, cpu: split, elu: performance.eventLoopUtilization(elu).utilization };
  };
}

function activityNames(history: temporal.api.history.v1.IHistory) {
  const events = history.events ?? [];
  const firstSignal = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  const scheduled = events.flatMap((e, index) =>
    e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ? [{ name: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', beforeSignal: firstSignal < 0 || index < firstSignal }] : [],
  );
  const retried = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
  return { names: scheduled.map((s) => s.name), before: scheduled.filter((s) => s.beforeSignal).length, retried, signals: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length };
}

// What a stuck verification looked like from every side, so a failed run says why it failed.
async function diagnose(system: TestSystem, recordId: string, workflowId: string): Promise<string> {
  const lines: string[] = [`record ${recordId}, workflow ${workflowId}:`];
  const attempt = async (what: string, probe: () => Promise<string[]>) => {
    try {
      lines.push(...(await probe()).map((l) => `  ${what}: ${l}`));
    } catch (err) {
      lines.push(`  ${what}: could not read (${(err as Error).message})`);
    }
  };
  let sessionId: string | null = null;
  await attempt('record', async () => {
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId }, select: { status: true, veriffSessionId: true } });
    sessionId = record.veriffSessionId;
    return [`status ${record.status}, session ${record.veriffSessionId ?? '-'}`];
  });
  await attempt('receipt', async () => {
    const receipts = await system.db.webhookReceipt.findMany({ where: { sessionId: sessionId ?? '-' }, orderBy: { receivedAt: 'asc' } });
    return receipts.map((r) => `${r.statusOrAction ?? r.kind} ${r.outcome} at ${r.receivedAt.toISOString()}`);
  });
  await attempt('delivery', async () =>
    system.simulator.store.deliveries.filter((d) => d.sessionId === sessionId).map((d) => `${d.kind} attempt ${d.attempt}: ${d.httpStatus ?? d.error} at ${d.at}`),
  );
  await attempt('workflow', async () => {
    const description = await system.client.workflow.getHandle(workflowId).describe();
    const pending = (description.raw.pendingActivities ?? []).map((a) => `pending ${a.activityType?.name ?? '?'} attempt ${a.attempt ?? 1}: ${a.lastFailure?.message ?? 'no failure'}`);
    return [`${description.status.name}, ${description.historyLength} events`, ...pending];
  });
  const noisy = system.logs.filter((l) => l.includes('"level":"error"') || l.includes('"level":"warn"'));
  lines.push(...noisy.slice(-5).map((l) => `  api log: ${l.slice(0, 400)}`));
  return lines.join('\n');
}

async function runKyc(system: TestSystem, pg: PgClient, users: readonly Customer[], options: Options, measured: boolean): Promise<{ phase: PhaseResult; workflowIds: string[]; recordIds: string[] }> {
  const watcher = new UpgradeWatcher(pg);
  const startMs: number[] = [];
  const recordIds: string[] = [];
  const workflowIds: string[] = [];
  const stop = meter();
  await runPool(users, options.concurrency, async (user) => {
    const begun = performance.now();
    const response = await withTimeout(api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: user.application, headers: { 'x-forwarded-for': user.clientIp } }), PER_ITEM_TIMEOUT_MS, 'start_verification');
    startMs.push(performance.now() - begun);
    if (response.status !== 201) throw new Error(`start_verification answered ${response.status}: ${response.text}`);
    const recordId = response.json.id as string;
    recordIds.push(recordId);
    workflowIds.push(response.json.workflow_id as string);
    // Registered before the decision so an upgrade faster than the first poll is still seen.
    const upgraded = watcher.wait(user.id);
    // Handled here as well: if the decision fails, nobody awaits this, and its later timeout must not crash teardown.
    upgraded.catch(() => undefined);
    try {
      await withTimeout(decide(system, recordId, { status: 'approved', withEvents: true }), PER_ITEM_TIMEOUT_MS, 'the simulator to deliver the decision');
      await upgraded;
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await diagnose(system, recordId, response.json.workflow_id as string)}`, { cause: err });
    }
  });
  const { wallMs, cpu, elu } = stop();

  let latencies: number[] = [];
  if (measured) {
    // Both instants as stored: received_at is PostgreSQL's now() when the receipt is written (before
    // the workflow is signalled), upgraded_at the worker's clock inside the upgrade transaction.
    const rows = await pg.query<{ ms: string }>(
      `SELECT EXTRACT(EPOCH FROM (w.upgraded_at - r.received_at)) * 1000 AS ms
         FROM kyc_records k
         JOIN wallets w ON w.upgraded_by_record_id = k.id
         JOIN webhook_receipts r ON r.kyc_record_id = k.id AND r.kind = 'decision' AND r.status_or_action = 'approved'
        WHERE k.id = ANY($1::uuid[])`,
      [recordIds],
    );
    if (rows.rows.length !== recordIds.length) throw new Error(`found ${rows.rows.length} receipt/upgrade pairs for ${recordIds.length} verifications`);
    latencies = rows.rows.map((r) => Number(r.ms));
  }
  return {
    phase: {
      name: 'kyc',
      n: users.length,
      concurrency: options.concurrency,
      wallMs,
      throughput: users.length / (wallMs / 1000),
      latency: summarise(latencies),
      latencyMeaning: 'approved webhook stored -> wallet upgraded (DB timestamps)',
      start: summarise(startMs),
      startMeaning: 'POST start_verification round trip',
      cpu,
      elu,
    },
    workflowIds,
    recordIds,
  };
}

async function runCeiling(client: Client, taskQueue: string, plan: CeilingPlan, count: number, options: Options, runId: string, offset: number): Promise<PhaseResult> {
  const startMs: number[] = [];
  const latencies: number[] = [];
  const toMark: number[] = [];
  const stop = meter();
  await runPool(Array.from({ length: count }, (_, i) => i + offset), options.concurrency, async (i) => {
    const workflowId = `ceiling-${runId}-${i}`;
    const startWorkflowOperation = new WithStartWorkflowOperation(ceilingWorkflow, { workflowId, taskQueue, args: [plan], workflowIdConflictPolicy: 'FAIL' });
    const begun = performance.now();
    await withTimeout(client.workflow.executeUpdateWithStart(readyUpdate, { startWorkflowOperation }), PER_ITEM_TIMEOUT_MS, 'the ceiling update-with-start');
    startMs.push(performance.now() - begun);
    const handle = await startWorkflowOperation.workflowHandle();
    const signalled = performance.now();
    await handle.signal(proceedSignal);
    await withTimeout(handle.result(), PER_ITEM_TIMEOUT_MS, 'the ceiling workflow to complete');
    latencies.push(performance.now() - signalled);
    const marked = reachedMarkedStep.get(workflowId);
    if (marked !== undefined) toMark.push(marked - signalled);
    reachedMarkedStep.delete(workflowId);
  });
  const { wallMs, cpu, elu } = stop();
  return {
    name: 'ceiling',
    n: count,
    concurrency: options.concurrency,
    wallMs,
    throughput: count / (wallMs / 1000),
    latency: summarise(latencies),
    latencyMeaning: 'signal sent -> workflow completed (client clock)',
    ...(toMark.length ? { toMarkedStep: summarise(toMark) } : {}),
    start: summarise(startMs),
    startMeaning: 'update-with-start round trip',
    cpu,
    elu,
  };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report(kyc: PhaseResult, ceiling: PhaseResult, plan: CeilingPlan) {
  console.log('\n== results ==');
  console.log(
    table(
      ['system', 'N', 'conc', 'wall s', 'throughput/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        ...[kyc, ceiling].map((p) => [p.name, String(p.n), String(p.concurrency), (p.wallMs / 1000).toFixed(2), p.throughput.toFixed(1), ms(p.latency.p50), ms(p.latency.p90), ms(p.latency.p99), ms(p.latency.max)]),
        ...(ceiling.toMarkedStep ? [['ceiling*', '', '', '', '', ms(ceiling.toMarkedStep.p50), ms(ceiling.toMarkedStep.p90), ms(ceiling.toMarkedStep.p99), ms(ceiling.toMarkedStep.max)]] : []),
      ],
    ),
  );
  console.log(`  kyc latency:      ${kyc.latencyMeaning}`);
  console.log(`  ceiling latency:  ${ceiling.latencyMeaning}; ${plan.before} no-op activities, 1 signal, ${plan.after} no-op activities`);
  if (plan.markedStep !== null) {
    console.log(`  ceiling* latency: signal sent -> no-op activity ${plan.markedStep - plan.before + 1} after the signal started, as upgradeWallet is activity ${APPROVED_DECISION_TO_UPGRADE.length} after the approved webhook (${APPROVED_DECISION_TO_UPGRADE.join(', ')})`);
  }
  console.log('\nratios kyc/ceiling (throughput below 1 and latency above 1 are the product\'s own cost):');
  console.log(`  throughput   ${(kyc.throughput / ceiling.throughput).toFixed(2)}x`);
  console.log(`  latency p50  ${(kyc.latency.p50 / ceiling.latency.p50).toFixed(2)}x${ceiling.toMarkedStep ? `   (vs ceiling*: ${(kyc.latency.p50 / ceiling.toMarkedStep.p50).toFixed(2)}x)` : ''}`);
  console.log(`  latency p99  ${(kyc.latency.p99 / ceiling.latency.p99).toFixed(2)}x${ceiling.toMarkedStep ? `   (vs ceiling*: ${(kyc.latency.p99 / ceiling.toMarkedStep.p99).toFixed(2)}x)` : ''}`);
  console.log('\nstart requests:');
  console.log(table(['system', 'what', 'p50 ms', 'p99 ms'], [kyc, ceiling].map((p) => [p.name, p.startMeaning, ms(p.start.p50), ms(p.start.p99)])));
  console.log('\nCPU seconds during each measured phase (API, simulator, worker and driver share one Node process):');
  const seconds = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  console.log(
    table(
      ['system', 'node', 'node loop util', 'temporal', 'postgres', 'other', 'machine busy'],
      [kyc, ceiling].map((p) => [p.name, seconds(p.cpu.selfS), p.elu.toFixed(2), seconds(p.cpu.temporalS), seconds(p.cpu.postgresS), seconds(p.cpu.otherS), p.cpu.machineBusy === null ? '-' : `${(p.cpu.machineBusy * 100).toFixed(0)}% of ${os.cpus().length} cores`]),
    ),
  );
  console.log('  postgres: the whole server (shared with anything else using it); other: every other process on the machine');
  for (const p of [kyc, ceiling]) if (p.cpu.topOthers.length) console.log(`  busiest other processes during ${p.name}: ${p.cpu.topOthers.join(', ')}`);
}

async function main() {
  const options = readOptions();
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run the benchmark with `npm run bench`');
  if (!process.env.TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set: run the benchmark with `npm run bench`');

  const runStarted = performance.now();
  const teardown: (() => Promise<unknown>)[] = [];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kyc-bench-'));
  teardown.unshift(() => rm(tmp, { recursive: true, force: true }));
  try {
    const [port, uiPort] = (await freePorts(2)) as [number, number];
    const server: RunningDevServer = await startTemporalDevServer({
      cliPath,
      dbFile: path.join(tmp, 'temporal.db'),
      ip: '127.0.0.1',
      port,
      uiPort,
      namespace: 'default',
      searchAttributes: KYC_SEARCH_ATTRIBUTES,
    });
    teardown.unshift(() => server.stop());

    // Both bundles before anything is measured: webpack is the heaviest CPU user of the run.
    const bundleLogger = new DefaultLogger('WARN');
    const [kycBundle, ceilingBundle] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: bundleLogger }),
      bundleWorkflowCode({ workflowsPath: require.resolve('./ceiling-workflow'), logger: bundleLogger }),
    ]);
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    await writeFile(bundlePath, kycBundle.code);
    process.env.TEMPORAL_ADDRESS = server.address;
    process.env.WORKFLOW_BUNDLE_PATH = bundlePath;
    console.log(`# Temporal dev server at ${server.address}, workflows bundled; ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);

    // startTestSystem installs the Temporal runtime, so it comes before any other Temporal connection.
    const system = await startTestSystem(SYSTEM_OVERRIDES);
    teardown.unshift(() => system.stop());
    const pg = new PgClient({ connectionString: system.config.DATABASE_URL });
    await pg.connect();
    teardown.unshift(() => pg.end());

    const users: Customer[] = [];
    await runPool(Array.from({ length: options.warmup + options.n }, (_, i) => i), USER_SETUP_CONCURRENCY, async (i) => {
      const user = await createUser(system);
      // BW passports: two letters and up to nine digits; 10.x.y.z is private space, only ever a header here.
      users.push({ ...user, application: { ...SAMPLE_APPLICATION, document_number: `BP${100_000_000 + i}` }, clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
    });
    console.log(`# ${users.length} customers created and logged in; ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);

    // kyc: warm-up, then the measured run.
    const warm = await runKyc(system, pg, users.slice(0, options.warmup), options, false);
    const kyc = await runKyc(system, pg, users.slice(options.warmup), options, true);
    console.log(`# kyc: ${options.warmup} warm-up + ${options.n} measured verifications in ${((warm.phase.wallMs + kyc.phase.wallMs) / 1000).toFixed(1)} s`);
    const logLines = system.logs.length;
    // The harness keeps every API log line in memory; dropped now so the ceiling phase does not carry them.
    system.logs.length = 0;

    // The activity count the ceiling mirrors, read from a real approved run's history.
    const sampleId = warm.workflowIds[0] ?? kyc.workflowIds[0];
    if (!sampleId) throw new Error('no verification ran');
    const sample = system.client.workflow.getHandle(sampleId);
    await withTimeout(sample.result(), PER_ITEM_TIMEOUT_MS, 'the sample verification to complete');
    const recorded = activityNames(await sample.fetchHistory());
    const upgradeAt = recorded.names.indexOf('upgradeWallet');
    const decisionPath = recorded.names.slice(upgradeAt + 1 - APPROVED_DECISION_TO_UPGRADE.length, upgradeAt + 1);
    // Only when the history still runs that path: a stale list would make ceiling* compare the wrong points.
    const markedStep = upgradeAt >= 0 && decisionPath.join() === APPROVED_DECISION_TO_UPGRADE.join() ? recorded.before + APPROVED_DECISION_TO_UPGRADE.length - 1 : null;
    const plan: CeilingPlan = { before: recorded.before, after: recorded.names.length - recorded.before, markedStep };
    console.log(`# approved history ${sampleId}: ${recorded.names.length} ActivityTaskScheduled (${plan.before} before the first signal, ${plan.after} after; ${recorded.signals} signals): ${recorded.names.join(', ')}`);
    if (recorded.names.join() !== EXPECTED_APPROVED_ACTIVITIES.join()) {
      console.log(`# NOTE: workflows/kyc-verification.ts reads as ${EXPECTED_APPROVED_ACTIVITIES.length} activities (${EXPECTED_APPROVED_ACTIVITIES.join(', ')}); the ceiling uses the recorded ${recorded.names.length}`);
    }

    // Not measured: every measured history, to show whether retries (1 s backoff and up) shaped the tail.
    let retried = 0;
    const counts = new Map<number, number>();
    await runPool(kyc.workflowIds, options.concurrency, async (workflowId) => {
      const handle = system.client.workflow.getHandle(workflowId);
      await withTimeout(handle.result(), PER_ITEM_TIMEOUT_MS, `${workflowId} to complete`);
      const seen = activityNames(await handle.fetchHistory());
      retried += seen.retried;
      counts.set(seen.names.length, (counts.get(seen.names.length) ?? 0) + 1);
    });
    console.log(`# measured kyc histories: activities per run ${[...counts].map(([k, v]) => `${k} x${v}`).join(', ')}; activity attempts > 1: ${retried}; API log lines kept by the harness: ${logLines}`);

    // ceiling: the product's worker stops so the bare worker has the machine to itself.
    await system.stopWorker();
    const taskQueue = `kyc-bench-ceiling-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    teardown.unshift(() => nativeConnection.close());
    const ceilingWorker = await Worker.create({ connection: nativeConnection, namespace: 'default', taskQueue, workflowBundle: { code: ceilingBundle.code }, activities: ceilingActivities });
    const workerRun = ceilingWorker.run();
    teardown.unshift(async () => {
      if (ceilingWorker.getState() === 'RUNNING') ceilingWorker.shutdown();
      await workerRun;
    });
    // The default data converter: the ceiling carries no payload encryption, as bare as Temporal gets.
    const connection = await Connection.connect({ address: server.address });
    teardown.unshift(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const runId = randomUUID().slice(0, 8);
    await runCeiling(client, taskQueue, plan, options.warmup, options, runId, 0);
    const ceiling = await runCeiling(client, taskQueue, plan, options.n, options, runId, options.warmup);

    report(kyc.phase, ceiling, plan);
    const memory = process.memoryUsage();
    console.log(`\nmemory of this process at the end: rss ${mib(memory.rss)}, heap used ${mib(memory.heapUsed)} of ${mib(memory.heapTotal)}, external ${mib(memory.external)}`);
    const pgVersion = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    const temporalVersion = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
    const cpus = os.cpus();
    console.log(`environment: ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${mib(os.totalmem())} RAM, Node ${process.version}, ${os.platform()} ${os.release()}`);
    console.log(`             PostgreSQL ${pgVersion} (TEST_DATABASE_URL, database pool of 5 shared by API and worker), ${temporalVersion} dev server (SQLite file)`);
    console.log(`total run time ${((performance.now() - runStarted) / 1000).toFixed(1)} s (before teardown)`);
  } finally {
    for (const step of teardown) {
      await step().catch((err: Error) => console.error(`teardown step failed: ${err.message}`));
    }
  }
}

main().then(
  // The Temporal runtime keeps native threads alive after its last connection closes.
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
