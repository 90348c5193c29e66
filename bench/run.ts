import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
import { api, startTestSystem, type TestSystem } from '../test/support/system';
import { decideSession, sendSessionEvent } from '../test/support/veriff';
import { ceilingActivities, reachedMarkedStep } from './ceiling-activities';
import { apiLoadSection } from './api-load';
import { embeddedSection } from './embedded';
import { memorySection } from './memory';
import { stackSection } from './stack';
import { bundleKycWorkflows } from '../worker/workflow-bundle';
import { DEFAULT_POOL_SIZE } from '../infra/db';
import { freePorts } from '../infra/ports';
import { customers, mib, ms, prepareVendorImages, runPool, summarise, table, vendorImageCounts, withTimeout, type Customer, type LatencySummary } from './support';
import { webhookSection } from './webhooks';
import { ceilingCurrentShapeWorkflow, ceilingWorkflow, CURRENT_SHAPE_SIGNALS, proceedSignal, readyUpdate, type CeilingPlan } from './ceiling-workflow';

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
const FACT_POLL_MS = 20;

// With an address per customer the limit never binds and its check still runs (and is measured);
// the high limit only stops a change in how the client IP is read from failing the whole run.
const SYSTEM_OVERRIDES = { KYC_RATE_LIMIT_PER_IP: '1000000' };
// The API and the worker run in this one process here and share one pool: production's two
// processes have a pool of DEFAULT_POOL_SIZE each (infra/db.ts).
const SYSTEM_POOL_SIZE = 2 * DEFAULT_POOL_SIZE;

interface Options {
  n: number;
  concurrency: number;
  warmup: number;
  rounds: number;
  webhooks: number;
  open: number;
  skip: Set<string>;
  /** `npm start`'s embedded setup instead of the sections: how many verifications to open. */
  embedded: number | null;
}

const SECTIONS = ['e2e', 'webhooks', 'load', 'memory', 'stack'] as const;

const USAGE = `usage: npm run bench -- [--n N] [--concurrency C] [--warmup W] [--rounds R] [--webhooks K] [--open O] [--skip e2e,webhooks,load,memory,stack]
       npm run bench -- --embedded [N]
  --n            measured verifications, kyc and ceiling each (env BENCH_N, default 200)
  --concurrency  verifications in flight at once (env BENCH_CONCURRENCY, default 20)
  --warmup       verifications run first and not measured (env BENCH_WARMUP, default 10)
  --rounds       kyc and ceiling take turns this many times, so a neighbour's load falls on both (default 4)
  --webhooks     verifications whose three webhooks each webhook round sends (default 100)
  --open         open verifications for the worker memory figure (default 10000)
  --skip         sections left out: ${SECTIONS.join(', ')}
  --embedded     instead: npm start's embedded setup, N verifications opened 20 at a time (default 1000), then 100 more starts`;

function readOptions(): Options {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      webhooks: { type: 'string' },
      open: { type: 'string' },
      skip: { type: 'string' },
      embedded: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
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
  const skip = new Set((values.skip ?? '').split(',').map((v) => v.trim()).filter(Boolean));
  for (const section of skip) if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`--skip: unknown section ${section}\n${USAGE}`);
  return {
    n: int(values.n, 'BENCH_N', 200, 1),
    concurrency: int(values.concurrency, 'BENCH_CONCURRENCY', 20, 1),
    warmup: int(values.warmup, 'BENCH_WARMUP', 10, 0),
    rounds: int(values.rounds, 'BENCH_ROUNDS', 4, 1),
    webhooks: int(values.webhooks, 'BENCH_WEBHOOKS', 100, 1),
    open: int(values.open, 'BENCH_OPEN', 10_000, 1),
    skip,
    embedded: values.embedded ? Number(positionals[0] ?? 1000) : null,
  };
}

// One query for every lane waiting on a fact (a wallet upgraded, a session's events handed to its
// workflow), instead of one poll loop per lane competing with the system under test for its pool.
// `query` answers which of the keys it is given ($1) hold the fact.
class FactWatcher {
  private readonly waiting = new Map<string, { resolve: () => void; reject: (err: Error) => void; deadline: number }>();
  private loop: Promise<void> | undefined;
  /** Queries it sent (the driver's own transactions, left out of the product's count). */
  polls = 0;

  constructor(
    private readonly pg: PgClient,
    private readonly query: string,
    private readonly fact: string,
  ) {}

  wait(key: string): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.set(key, { resolve, reject, deadline: Date.now() + PER_ITEM_TIMEOUT_MS }));
    this.loop ??= this.run();
    return done;
  }

  private async run(): Promise<void> {
    try {
      while (this.waiting.size > 0) {
        await sleep(FACT_POLL_MS);
        let holding: Set<string>;
        try {
          this.polls += 1;
          const result = await this.pg.query<{ key: string }>(this.query, [[...this.waiting.keys()]]);
          holding = new Set(result.rows.map((r) => r.key));
        } catch (err) {
          for (const waiter of this.waiting.values()) waiter.reject(err as Error);
          this.waiting.clear();
          return;
        }
        const now = Date.now();
        for (const [key, waiter] of this.waiting) {
          if (holding.has(key)) waiter.resolve();
          else if (now > waiter.deadline) waiter.reject(new Error(`${this.fact} (${key}) not seen within ${PER_ITEM_TIMEOUT_MS} ms`));
          else continue;
          this.waiting.delete(key);
        }
      }
    } finally {
      // Synchronous with the emptiness check above: a wait() after this starts a new loop.
      this.loop = undefined;
    }
  }
}

const upgradeWatcher = (pg: PgClient) => new FactWatcher(pg, 'SELECT user_id::text AS key FROM wallets WHERE upgraded_at IS NOT NULL AND user_id = ANY($1::uuid[])', 'wallet upgraded');
// The submitted event's receipt processed: handed to the workflow (the started one went before it).
const eventsWatcher = (pg: PgClient) =>
  new FactWatcher(
    pg,
    "SELECT kyc_record_id::text AS key FROM webhook_receipts WHERE kind = 'event' AND status_or_action = 'submitted' AND processed_at IS NOT NULL AND kyc_record_id = ANY($1::uuid[])",
    "the session's events handed to the workflow",
  );

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
  // The samples behind the summaries, so the rounds of a phase can be pooled.
  samples: { latency: number[]; toMarkedStep: number[]; start: number[] };
}

/** The rounds of one phase as one: counts and CPU added up, samples pooled. */
function pooled(parts: PhaseResult[]): PhaseResult {
  const first = parts[0]!;
  const sum = (pick: (p: PhaseResult) => number | null) => (parts.some((p) => pick(p) === null) ? null : parts.reduce((total, p) => total + (pick(p) ?? 0), 0));
  const wallMs = parts.reduce((total, p) => total + p.wallMs, 0);
  const n = parts.reduce((total, p) => total + p.n, 0);
  const samples = { latency: parts.flatMap((p) => p.samples.latency), toMarkedStep: parts.flatMap((p) => p.samples.toMarkedStep), start: parts.flatMap((p) => p.samples.start) };
  return {
    ...first,
    n,
    wallMs,
    throughput: n / (wallMs / 1000),
    latency: summarise(samples.latency),
    ...(samples.toMarkedStep.length ? { toMarkedStep: summarise(samples.toMarkedStep) } : {}),
    start: summarise(samples.start),
    cpu: {
      selfS: sum((p) => p.cpu.selfS) ?? 0,
      temporalS: sum((p) => p.cpu.temporalS),
      postgresS: sum((p) => p.cpu.postgresS),
      otherS: sum((p) => p.cpu.otherS),
      topOthers: parts.flatMap((p) => p.cpu.topOthers).slice(0, 3),
      machineBusy: parts.some((p) => p.cpu.machineBusy === null) ? null : parts.reduce((total, p) => total + (p.cpu.machineBusy ?? 0) * p.wallMs, 0) / wallMs,
    },
    elu: parts.reduce((total, p) => total + p.elu * p.wallMs, 0) / wallMs,
    samples,
  };
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

// What a workflow's history shows of its cost: activities (each a task through the server),
// local activities (run inside a workflow task, a marker each), signals, workflow tasks.
function historyShape(history: temporal.api.history.v1.IHistory) {
  const events = history.events ?? [];
  const firstSignal = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  const scheduled = events.flatMap((e, index) =>
    e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ? [{ name: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', beforeSignal: firstSignal < 0 || index < firstSignal }] : [],
  );
  const local = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (!data) return [];
    try {
      return [(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type ?? '?'];
    } catch {
      return [];
    }
  });
  const retried = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
  return {
    names: scheduled.map((s) => s.name),
    before: scheduled.filter((s) => s.beforeSignal).length,
    retried,
    local,
    signals: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length,
    workflowTasks: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    events: events.length,
  };
}

const describeShape = (shape: ReturnType<typeof historyShape>) =>
  `${shape.names.length} activities, ${shape.local.length} local activities, ${shape.signals} signals, ${shape.workflowTasks} workflow tasks, ${shape.events} history events`;

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

// When each measured verification's decision was stored and its wallet upgraded (epoch ms, the database's clocks), by record id.
const stamps = new Map<string, { received: number; upgraded: number }>();
const recordOfWorkflow = new Map<string, string>();

const epochMs = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN);

/**
 * Where an approved decision's latency goes, from the history and the stored instants: the
 * webhook stored -> its signal in the history (the API's answer, the inbox's hand-over, the
 * server); -> the next workflow task started (the server's dispatch, the worker's poll); -> the
 * wallet upgraded (the worker: risk, screening, approval and upgrade as local activities).
 */
function latencySplit(history: temporal.api.history.v1.IHistory, stamp: { received: number; upgraded: number }): [number, number, number] | null {
  const events = history.events ?? [];
  const signalIndex = events.findLastIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  const taskStarted = events.slice(signalIndex + 1).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  if (signalIndex < 0 || !taskStarted) return null;
  const signalled = epochMs(events[signalIndex]!.eventTime);
  const started = epochMs(taskStarted.eventTime);
  return [signalled - stamp.received, started - signalled, stamp.upgraded - started];
}

async function runKyc(system: TestSystem, pg: PgClient, users: readonly Customer[], options: Options, measured: boolean): Promise<{ phase: PhaseResult; workflowIds: string[]; recordIds: string[]; driverQueries: number }> {
  const watcher = upgradeWatcher(pg);
  const handedOver = eventsWatcher(pg);
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
    recordOfWorkflow.set(response.json.workflow_id as string, recordId);
    // Registered before the decision so an upgrade faster than the first poll is still seen.
    const upgraded = watcher.wait(user.id);
    // Handled here as well: if the decision fails, nobody awaits this, and its later timeout must not crash teardown.
    upgraded.catch(() => undefined);
    try {
      // The session as a person and Veriff go through it: the person starts and submits (two event
      // webhooks), Veriff decides afterwards. The decision is sent once the events have reached the
      // workflow: the latency runs from the decision, not from a queue behind the session's earlier
      // webhooks that no real session has (Veriff decides minutes after the submission) and the
      // ceiling never has (its one signal is the decision's).
      // The session id on the driver's own connection: the driver's work stays off the product's pool.
      const sessionId = (await pg.query<{ id: string }>('SELECT veriff_session_id AS id FROM kyc_records WHERE id = $1::uuid', [recordId])).rows[0]!.id;
      const eventsIn = handedOver.wait(recordId);
      eventsIn.catch(() => undefined);
      for (const action of ['started', 'submitted'] as const) await withTimeout(sendSessionEvent(system, sessionId, action), PER_ITEM_TIMEOUT_MS, `the simulator to send the ${action} event`);
      await eventsIn;
      await withTimeout(decideSession(system, sessionId, { status: 'approved', withEvents: false }), PER_ITEM_TIMEOUT_MS, 'the simulator to deliver the decision');
      await upgraded;
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await diagnose(system, recordId, response.json.workflow_id as string)}`, { cause: err });
    }
  });
  const { wallMs, cpu, elu } = stop();
  // The driver's own queries on the database: the watchers' polls, a session id per verification, and the latency query below.
  const driverQueries = watcher.polls + handedOver.polls + users.length + (measured ? 1 : 0);

  let latencies: number[] = [];
  if (measured) {
    // Both instants as stored: received_at is PostgreSQL's now() when the receipt is written (before
    // the workflow is signalled), upgraded_at the worker's clock inside the upgrade transaction.
    const rows = await pg.query<{ id: string; ms: string; received: string; upgraded: string }>(
      `SELECT k.id::text AS id, EXTRACT(EPOCH FROM (w.upgraded_at - r.received_at)) * 1000 AS ms,
              EXTRACT(EPOCH FROM r.received_at) * 1000 AS received, EXTRACT(EPOCH FROM w.upgraded_at) * 1000 AS upgraded
         FROM kyc_records k
         JOIN wallets w ON w.upgraded_by_record_id = k.id
         JOIN webhook_receipts r ON r.kyc_record_id = k.id AND r.kind = 'decision' AND r.status_or_action = 'approved'
        WHERE k.id = ANY($1::uuid[])`,
      [recordIds],
    );
    if (rows.rows.length !== recordIds.length) throw new Error(`found ${rows.rows.length} receipt/upgrade pairs for ${recordIds.length} verifications`);
    for (const r of rows.rows) stamps.set(r.id, { received: Number(r.received), upgraded: Number(r.upgraded) });
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
      latencyMeaning: "approved webhook stored -> wallet upgraded (DB timestamps); the decision sent once the session's events reached the workflow",
      start: summarise(startMs),
      startMeaning: 'POST start_verification round trip',
      cpu,
      elu,
      samples: { latency: latencies, toMarkedStep: [], start: startMs },
    },
    workflowIds,
    recordIds,
    driverQueries,
  };
}

async function runCeiling(client: Client, taskQueue: string, plan: CeilingPlan | 'current shape', count: number, options: Options, runId: string, offset: number): Promise<PhaseResult> {
  const startMs: number[] = [];
  const latencies: number[] = [];
  const toMark: number[] = [];
  const stop = meter();
  const prefix = plan === 'current shape' ? 'ceiling-now' : 'ceiling';
  await runPool(Array.from({ length: count }, (_, i) => i + offset), options.concurrency, async (i) => {
    const workflowId = `${prefix}-${runId}-${i}`;
    const startWorkflowOperation =
      plan === 'current shape'
        ? new WithStartWorkflowOperation(ceilingCurrentShapeWorkflow, { workflowId, taskQueue, args: [], workflowIdConflictPolicy: 'FAIL' })
        : new WithStartWorkflowOperation(ceilingWorkflow, { workflowId, taskQueue, args: [plan], workflowIdConflictPolicy: 'FAIL' });
    const begun = performance.now();
    await withTimeout(client.workflow.executeUpdateWithStart(readyUpdate, { startWorkflowOperation }), PER_ITEM_TIMEOUT_MS, 'the ceiling update-with-start');
    startMs.push(performance.now() - begun);
    const handle = await startWorkflowOperation.workflowHandle();
    // Like the product's webhooks: the latency runs from the last signal (the decision's).
    for (let sent = 1; sent < (plan === 'current shape' ? CURRENT_SHAPE_SIGNALS : 1); sent += 1) await handle.signal(proceedSignal);
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
    name: plan === 'current shape' ? 'ceiling (now)' : 'ceiling',
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
    samples: { latency: latencies, toMarkedStep: toMark, start: startMs },
  };
}

interface E2eFigures {
  kyc: PhaseResult;
  ceiling: PhaseResult;
  /** The ceiling in the product's current shape (local activities, three signals). */
  now: PhaseResult;
  nowShape: ReturnType<typeof historyShape>;
  rounds: { kyc: number; ceiling: number; now: number }[];
  kycShape: ReturnType<typeof historyShape>;
  ceilingShape: ReturnType<typeof historyShape>;
  transactionsPerVerification: number | null;
  /** The kyc latency from the decision's signal in the history on (where ceiling* starts: when its last signal is sent). */
  fromSignal: ReturnType<typeof summarise>;
}

function report(figures: E2eFigures) {
  const { kyc, ceiling } = figures;
  console.log('\n== end to end: the product against the bare-Temporal ceiling (same dev server, same run, taking turns) ==');
  console.log(
    table(
      ['system', 'N', 'conc', 'wall s', 'throughput/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        ...[kyc, ceiling, figures.now].map((p) => [p.name, String(p.n), String(p.concurrency), (p.wallMs / 1000).toFixed(2), p.throughput.toFixed(2), ms(p.latency.p50), ms(p.latency.p90), ms(p.latency.p99), ms(p.latency.max)]),
        ...[ceiling, figures.now].flatMap((p) => (p.toMarkedStep ? [[`${p.name}*`, '', '', '', '', ms(p.toMarkedStep.p50), ms(p.toMarkedStep.p90), ms(p.toMarkedStep.p99), ms(p.toMarkedStep.max)]] : [])),
      ],
    ),
  );
  console.log(`  kyc:      ${describeShape(figures.kycShape)} per approved verification; latency ${kyc.latencyMeaning}`);
  console.log(`  ceiling:  ${describeShape(figures.ceilingShape)}: release 0.2.0's approved path (${EXPECTED_APPROVED_ACTIVITIES.join(', ')}) as no-op activities around one signal; latency ${ceiling.latencyMeaning}`);
  console.log(`  ceiling (now): ${describeShape(figures.nowShape)}: the product's current shape with no-ops (a strict reference: what remains against it is our own code)`);
  console.log(`  *: last signal sent -> the no-op standing for upgradeWallet started (${APPROVED_DECISION_TO_UPGRADE.join(', ')} after the decision): the like-for-like end of the kyc latency`);
  const ratio = kyc.throughput / ceiling.throughput;
  const p99 = ceiling.toMarkedStep ? kyc.latency.p99 / ceiling.toMarkedStep.p99 : Number.NaN;
  console.log('\nratios kyc/ceiling, against their targets:');
  console.log(`  throughput          ${ratio.toFixed(2)}x   (target >= 0.80x: ${ratio >= 0.8 ? 'met' : 'MISSED'}); per round: ${figures.rounds.map((r) => (r.kyc / r.ceiling).toFixed(2)).join(', ')}`);
  console.log(`  latency p99 vs ceiling*  ${p99.toFixed(2)}x   (target <= 1.30x: ${p99 <= 1.3 ? 'met' : 'MISSED'}); p50 ${ceiling.toMarkedStep ? (kyc.latency.p50 / ceiling.toMarkedStep.p50).toFixed(2) : '-'}x`);
  console.log(`  latency p99 vs ceiling   ${(kyc.latency.p99 / ceiling.latency.p99).toFixed(2)}x (the whole ceiling workflow, six activities after its signal)`);
  if (ceiling.toMarkedStep) {
    // The kyc latency starts when the decision is stored, then goes through the webhook inbox to
    // the signal; ceiling*'s clock starts as its signal is sent. Printed to say how much of the
    // gap the inbox is.
    const { fromSignal } = figures;
    console.log(`  latency p99 from the decision's signal in the history vs ceiling*  ${(fromSignal.p99 / ceiling.toMarkedStep.p99).toFixed(2)}x (${ms(fromSignal.p99)} ms; p50 ${(fromSignal.p50 / ceiling.toMarkedStep.p50).toFixed(2)}x): not the target's measure`);
  }
  const now = figures.now;
  console.log(`  against the ceiling of the current shape: throughput ${(kyc.throughput / now.throughput).toFixed(2)}x, latency p99 ${now.toMarkedStep ? (kyc.latency.p99 / now.toMarkedStep.p99).toFixed(2) : '-'}x (per round: ${figures.rounds.map((r) => (r.kyc / r.now).toFixed(2)).join(', ')})`);
  console.log('\nstart requests:');
  console.log(table(['system', 'what', 'p50 ms', 'p99 ms'], [kyc, ceiling, figures.now].map((p) => [p.name, p.startMeaning, ms(p.start.p50), ms(p.start.p99)])));
  console.log('\nCPU seconds during the measured rounds (API, simulator, worker and driver share one Node process):');
  const seconds = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  const perItem = (v: number | null, n: number) => (v === null ? '-' : `${((v / n) * 1000).toFixed(0)} ms`);
  console.log(
    table(
      ['system', 'node', 'per item', 'node loop util', 'temporal', 'per item', 'postgres', 'other', 'machine busy'],
      [kyc, ceiling, figures.now].map((p) => [
        p.name,
        seconds(p.cpu.selfS),
        perItem(p.cpu.selfS, p.n),
        p.elu.toFixed(2),
        seconds(p.cpu.temporalS),
        perItem(p.cpu.temporalS, p.n),
        seconds(p.cpu.postgresS),
        seconds(p.cpu.otherS),
        p.cpu.machineBusy === null ? '-' : `${(p.cpu.machineBusy * 100).toFixed(0)}% of ${os.cpus().length} cores`,
      ]),
    ),
  );
  console.log('  postgres: the whole server (shared with anything else using it); other: every other process on the machine');
  if (figures.transactionsPerVerification !== null) console.log(`  database transactions per kyc verification (API, worker, simulator's webhooks; statements outside a transaction count one each; the driver's own queries left out): ${figures.transactionsPerVerification.toFixed(1)}`);
  for (const p of [kyc, ceiling]) if (p.cpu.topOthers.length) console.log(`  busiest other processes during ${p.name}: ${p.cpu.topOthers.join(', ')}`);
}

// The database's committed transactions so far (pg_stat_database lags by up to half a second).
async function transactions(pg: PgClient): Promise<number> {
  await sleep(600);
  const { rows } = await pg.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]?.n ?? 0);
}

// release 0.2.0's approved path, as the ceiling runs it: two activities before the decision's
// signal, six after, the third after it standing for upgradeWallet (the end of the kyc latency).
const CEILING_PLAN: CeilingPlan = { before: 2, after: 6, markedStep: 2 + APPROVED_DECISION_TO_UPGRADE.length - 1 };

async function endToEnd(system: TestSystem, pg: PgClient, users: Customer[], options: Options, ceilingClient: Client, ceilingTaskQueue: string): Promise<E2eFigures> {
  const runId = randomUUID().slice(0, 8);
  const warmUsers = users.slice(0, options.warmup);
  const measured = users.slice(options.warmup);
  const warm = await runKyc(system, pg, warmUsers, options, false);
  await runCeiling(ceilingClient, ceilingTaskQueue, CEILING_PLAN, options.warmup, options, runId, 0);
  await runCeiling(ceilingClient, ceilingTaskQueue, 'current shape', options.warmup, options, runId, 0);
  const kycParts: PhaseResult[] = [];
  const ceilingParts: PhaseResult[] = [];
  const nowParts: PhaseResult[] = [];
  const workflowIds: string[] = [];
  let xacts = 0;
  const per = Math.ceil(measured.length / options.rounds);
  for (let round = 0; round < options.rounds; round += 1) {
    const batch = measured.slice(round * per, (round + 1) * per);
    if (!batch.length) break;
    const kycTurn = async () => {
      const before = await transactions(pg);
      const t0 = process.hrtime.bigint();
      const part = await runKyc(system, pg, batch, options, true);
      if (process.env.BENCH_MARK) console.log(`# MARK kyc ${t0 / 1000n} ${process.hrtime.bigint() / 1000n}`);
      xacts += (await transactions(pg)) - before - part.driverQueries - 1;
      kycParts.push(part.phase);
      workflowIds.push(...part.workflowIds);
    };
    const ceilingTurn = async () => {
      ceilingParts.push(await runCeiling(ceilingClient, ceilingTaskQueue, CEILING_PLAN, batch.length, options, runId, options.warmup + round * per));
    };
    const nowTurn = async () => {
      nowParts.push(await runCeiling(ceilingClient, ceilingTaskQueue, 'current shape', batch.length, options, runId, options.warmup + round * per));
    };
    // Each goes first in turn, so a drift in the machine's load favours none of them.
    const turns = [kycTurn, ceilingTurn, nowTurn];
    for (let i = 0; i < turns.length; i += 1) await turns[(round + i) % turns.length]!();
    console.log(`# round ${round + 1}/${options.rounds}: kyc ${kycParts.at(-1)!.throughput.toFixed(2)}/s, ceiling ${ceilingParts.at(-1)!.throughput.toFixed(2)}/s, ceiling of the current shape ${nowParts.at(-1)!.throughput.toFixed(2)}/s`);
  }

  const sampleId = warm.workflowIds[0] ?? workflowIds[0];
  if (!sampleId) throw new Error('no verification ran');
  const sample = system.client.workflow.getHandle(sampleId);
  await withTimeout(sample.result(), PER_ITEM_TIMEOUT_MS, 'the sample verification to complete');
  const kycShape = historyShape(await sample.fetchHistory());
  const ceilingShape = historyShape(await ceilingClient.workflow.getHandle(`ceiling-${runId}-0`).fetchHistory());
  let retried = 0;
  const splits: [number, number, number][] = [];
  await runPool(workflowIds, options.concurrency, async (workflowId) => {
    const handle = system.client.workflow.getHandle(workflowId);
    await withTimeout(handle.result(), PER_ITEM_TIMEOUT_MS, `${workflowId} to complete`);
    const history = await handle.fetchHistory();
    retried += historyShape(history).retried;
    const stamp = stamps.get(recordOfWorkflow.get(workflowId) ?? '');
    const split = stamp && latencySplit(history, stamp);
    if (split) splits.push(split);
  });
  console.log(`# measured kyc histories: activity attempts > 1: ${retried}`);
  const part = (i: number) => summarise(splits.map((s) => s[i]!));
  const parts = ['webhook stored -> signal in the history', '-> workflow task started', '-> wallet upgraded'].map((name, i) => `${name} p50 ${ms(part(i).p50)} p99 ${ms(part(i).p99)} ms`);
  console.log(`# where the kyc latency goes (${splits.length} verifications): ${parts.join('; ')}`);
  return {
    kyc: pooled(kycParts),
    ceiling: pooled(ceilingParts),
    now: pooled(nowParts),
    nowShape: historyShape(await ceilingClient.workflow.getHandle(`ceiling-now-${runId}-0`).fetchHistory()),
    rounds: kycParts.map((k, i) => ({ kyc: k.throughput, ceiling: ceilingParts[i]!.throughput, now: nowParts[i]!.throughput })),
    kycShape,
    ceilingShape,
    transactionsPerVerification: workflowIds.length ? xacts / workflowIds.length : null,
    fromSignal: summarise(splits.map((s) => s[1] + s[2])),
  };
}

async function main() {
  const options = readOptions();
  if (options.embedded !== null) {
    if (!Number.isInteger(options.embedded) || options.embedded < 1) throw new Error(`--embedded takes a number of verifications\n${USAGE}`);
    await embeddedSection({ open: options.embedded });
    return;
  }
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
      bundleKycWorkflows(bundleLogger).then((code) => ({ code })),
      bundleWorkflowCode({ workflowsPath: require.resolve('./ceiling-workflow'), logger: bundleLogger }),
    ]);
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    await writeFile(bundlePath, kycBundle.code);
    process.env.TEMPORAL_ADDRESS = server.address;
    process.env.WORKFLOW_BUNDLE_PATH = bundlePath;
    console.log(`# Temporal dev server at ${server.address}, workflows bundled; ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);

    // startTestSystem installs the Temporal runtime, so it comes before any other Temporal connection.
    const system = await startTestSystem(SYSTEM_OVERRIDES, { poolSize: SYSTEM_POOL_SIZE });
    teardown.unshift(() => system.stop());
    const pg = new PgClient({ connectionString: system.config.DATABASE_URL });
    await pg.connect();
    teardown.unshift(() => pg.end());

    // The ceiling's worker runs beside the product's: each idles while the other works.
    const ceilingTaskQueue = `kyc-bench-ceiling-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    teardown.unshift(() => nativeConnection.close());
    const ceilingWorker = await Worker.create({ connection: nativeConnection, namespace: 'default', taskQueue: ceilingTaskQueue, workflowBundle: { code: ceilingBundle.code }, activities: ceilingActivities });
    const workerRun = ceilingWorker.run();
    teardown.unshift(async () => {
      if (ceilingWorker.getState() === 'RUNNING') ceilingWorker.shutdown();
      await workerRun;
    });
    // The default data converter: the ceiling carries no payload encryption, as bare as Temporal gets.
    const connection = await Connection.connect({ address: server.address });
    teardown.unshift(() => connection.close());
    const ceilingClient = new Client({ connection, namespace: 'default' });

    if (!options.skip.has('e2e')) {
      const users = await customers(system, options.warmup + options.n, 0);
      console.log(`# ${users.length} customers created and logged in; ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
      const images = await prepareVendorImages(system, users);
      console.log(`# the simulator drew ${images.prepared} customers' document images, as Veriff holds them before it decides; ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
      report(await endToEnd(system, pg, users, options, ceilingClient, ceilingTaskQueue));
      const { counts } = await vendorImageCounts(system);
      console.log(`  the vendor's document images of decided sessions: ${counts.prepared} prepared before the rounds, ${counts.drawn} drawn during them (on the simulator's thread, in this process)`);
      // The harness keeps every API log line in memory; dropped so later sections do not carry them.
      system.logs.length = 0;
    }
    if (!options.skip.has('webhooks')) await webhookSection(system, options);
    if (!options.skip.has('load')) await apiLoadSection(system, { connections: 200, durationSeconds: 10, concurrency: options.concurrency });
    if (!options.skip.has('memory')) await memorySection(system, options);
    if (!options.skip.has('stack')) await stackSection(options);

    const memory = process.memoryUsage();
    console.log(`\nmemory of this process at the end: rss ${mib(memory.rss)}, heap used ${mib(memory.heapUsed)} of ${mib(memory.heapTotal)}, external ${mib(memory.external)}`);
    const pgVersion = (await pg.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    const temporalVersion = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
    const cpus = os.cpus();
    console.log(`environment: ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${mib(os.totalmem())} RAM, Node ${process.version}, ${os.platform()} ${os.release()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`             PostgreSQL ${pgVersion} (TEST_DATABASE_URL, database pool of ${SYSTEM_POOL_SIZE} shared by API and worker, production's ${DEFAULT_POOL_SIZE} each), ${temporalVersion} dev server (SQLite file)`);
    console.log(`total run time ${((performance.now() - runStarted) / 1000).toFixed(1)} s (before teardown)`);
  } catch (err) {
    // Said before the teardown, whose closing connections may end the process first.
    console.error(err);
    throw err;
  } finally {
    // A call the API gave up waiting for (a start past its wait) is still retried by the client
    // library on a timer; once its connection is closed that retry throws: nothing to report then.
    process.on('uncaughtException', (err) => {
      if (err.message !== 'Channel has been shut down') throw err;
    });
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
