import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { type KycStatus } from '../../domain/status';
import { consumeEvents } from '../../test/support/broker';
import { startWebhookReceiver } from '../../test/support/webhook-receiver';
import { ObservedClient, type Observation } from './client';
import { FaultInjector, type FaultKind, type FaultWindow } from './faults';
import { startPrivatePostgres } from './private-postgres';
import { BRANCHES, gate, planBranches, runCustomer, StatusWatcher, type Branch, type Outcome } from './scenario';
import { startStack } from './stack-control';
import { freePort } from '../../infra/ports';
import { type TemporalConnectionOptions } from '../../infra/temporal';

// A chaos run: the production topology (`npm run stack`, on a PostgreSQL server of its own), a
// Veriff on a bad day (slow, failing session creations; every webhook three times in random order;
// one decision webhook in ten lost), customers down every branch through the load balancer, and
// crashes of every kind while they are in flight. Then what matters is counted: every verification
// where its script leads, nothing lost, nothing done twice, nothing stuck, no 5xx outside the
// seconds something was down.

export interface ChaosOptions {
  verifications: number;
  /** Customers opening an account or starting at once. */
  startConcurrency: number;
  /** KYC_SESSION_TIMEOUT: how long an expiring customer takes, and when a lost decision is fetched. */
  sessionTimeoutSeconds: number;
  /** The faults, in order, each once the previous one is over. */
  faults: { kind: FaultKind; target?: string }[];
  /** Started verifications before the first fault. */
  faultsAfterStarted: number;
  /** Pause between a component coming back and the next fault. */
  faultGapMs: number;
  /** After the customers are done: how long events and deliveries may take to drain. */
  settleTimeoutMs: number;
  /** Keep the stack's folder (its processes' logs) after the run. */
  keepLogs?: boolean;
  log?: (line: string) => void;
}

export const FULL_RUN: ChaosOptions = {
  verifications: 200,
  startConcurrency: 20,
  sessionTimeoutSeconds: 90,
  faults: [
    { kind: 'worker', target: 'worker-1' },
    { kind: 'api', target: 'api-1' },
    { kind: 'worker', target: 'worker-2' },
    { kind: 'temporal' },
    { kind: 'postgres' },
    { kind: 'rabbitmq' },
    { kind: 'worker', target: 'worker-1' },
  ],
  faultsAfterStarted: 30,
  faultGapMs: 8_000,
  settleTimeoutMs: 300_000,
};

// CI's version: a few of every branch and one of every fault.
export const SHORT_RUN: ChaosOptions = {
  verifications: 24,
  startConcurrency: 12,
  sessionTimeoutSeconds: 45,
  faults: [{ kind: 'worker', target: 'worker-1' }, { kind: 'api', target: 'api-1' }, { kind: 'temporal' }, { kind: 'postgres' }, { kind: 'rabbitmq' }],
  faultsAfterStarted: 6,
  faultGapMs: 3_000,
  settleTimeoutMs: 240_000,
};

// The vendor's bad day (simulator/control-routes.ts, /control/fault-profile). Veriff retries a
// failed webhook for days; the simulator compresses that into about four minutes.
const VENDOR_FAULTS = {
  createSessionDelayMs: 2000,
  createSessionFailureRatio: 0.3,
  webhookCopies: 3,
  shuffleWebhooks: true,
  decisionLossRatio: 0.1,
  retryDelaysMs: [1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000, 30000, 30000, 30000],
};

// After a component serves again, the seconds a client may still meet its absence (HAProxy's
// health check puts an API back after two passing checks, two seconds apart).
const SETTLE_AFTER_RECOVERY_MS = 5_000;

export interface ChaosRow {
  figure: string;
  value: string;
  target: string;
  ok: boolean | null;
}

export interface ChaosReport {
  rows: ChaosRow[];
  faults: (FaultWindow & { clientErrors: number; webhookErrors: number; seen: string })[];
  outcomes: Outcome[];
  passed: boolean;
  table: string;
  wallSeconds: number;
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface DeliveryAttempt {
  kind: string;
  httpStatus: number | null;
  sentAt: string;
  at: string;
  attempt: number;
  deliveryId: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const began = Date.now();
  const runId = randomBytes(3).toString('hex');
  const teardown: (() => Promise<unknown>)[] = [];
  try {
    const postgres = await startPrivatePostgres(await freePort());
    teardown.unshift(() => postgres.remove());
    const notifications = await startWebhookReceiver();
    teardown.unshift(() => notifications.close());
    log(`# chaos ${runId}: private PostgreSQL on ${postgres.port}; starting the stack...`);
    const stack = await startStack({
      serverUrl: postgres.url,
      dbPrefix: `kyc_chaos_${runId}`,
      env: {
        VERIFF_SIMULATOR_AUTO_DECIDE_MS: 'off',
        KYC_SESSION_TIMEOUT: String(options.sessionTimeoutSeconds),
        // Every customer reaches the load balancer from 127.0.0.1.
        KYC_RATE_LIMIT_PER_IP: '1000000',
        KYC_REGISTRATION_LIMIT_PER_IP: '1000000',
        KYC_NOTIFY_URL: notifications.url,
      },
      keepLogs: options.keepLogs ?? false,
    });
    teardown.unshift(() => stack.stop());
    log(`# stack up at ${stack.url} (${((Date.now() - began) / 1000).toFixed(0)} s)`);

    const profile = await fetch(`${stack.simulatorUrl}/control/fault-profile`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(VENDOR_FAULTS) });
    if (profile.status !== 200) throw new Error(`the simulator refused the fault profile: ${await profile.text()}`);
    const consumer = await consumeEvents(stack.brokerUrl);
    teardown.unshift(() => consumer.close());
    const watcher = new StatusWatcher(stack.databaseUrl);
    teardown.unshift(() => watcher.stop());
    const api = new ObservedClient(stack.url);
    const reviewer = await api.call('POST /api/auth/login/', 'POST', '/api/auth/login/', { body: { username: 'senior', password: 'seniorpass123' } });
    if (reviewer.status !== 200) throw new Error(`the senior reviewer could not log in: ${reviewer.status}`);

    const injector = new FaultInjector(stack, postgres, { namespace: 'default', taskQueue: 'kyc-verification' });
    teardown.unshift(() => injector.close());
    const ctx = {
      api,
      simulatorUrl: stack.simulatorUrl,
      watcher,
      reviewerToken: reviewer.json.access as string,
      runId,
      stepTimeoutMs: options.sessionTimeoutSeconds * 1000 + 240_000,
      gate: gate(options.startConcurrency),
    };
    const branches = planBranches(options.verifications);
    const customersBegan = Date.now();
    let started = 0;
    const outcomes = Promise.all(
      branches.map(async (branch, index) => {
        const outcome = await runCustomer(ctx, index, branch, options.sessionTimeoutSeconds * 1000 + 240_000);
        if (outcome.error) log(`# customer ${index} (${branch}): ${outcome.error}`);
        return outcome;
      }),
    );
    // Faults once enough customers are in flight, each after the previous one is over.
    const faults = (async () => {
      while (started < options.faultsAfterStarted) {
        started = (await watcherCount(stack.databaseUrl)) ?? started;
        await sleep(500);
      }
      for (const fault of options.faults) {
        const window = await injector.inject(fault.kind, fault.target);
        log(`# fault: ${window.name}; serving again after ${((window.backAt - window.downAt) / 1000).toFixed(1)} s`);
        await sleep(options.faultGapMs);
      }
    })();
    const [results] = await Promise.all([outcomes, faults]);
    log(`# customers done in ${((Date.now() - customersBegan) / 1000).toFixed(0)} s; letting events and deliveries drain...`);

    const settled = await settle(stack, options.settleTimeoutMs, () => ({ consumed: new Set(consumer.received.map((m) => m.event.id)).size, notified: new Set(notifications.received.map((r) => r.event.id)).size }));
    const deliveries = ((await (await fetch(`${stack.simulatorUrl}/control/deliveries`)).json()) as { deliveries: DeliveryAttempt[] }).deliveries;
    const vendor = ((await (await fetch(`${stack.simulatorUrl}/control/fault-profile`)).json()) as { counts: Record<string, number> }).counts;

    const report = await measure({
      databaseUrl: stack.databaseUrl,
      temporal: stack.temporal,
      outcomes: results,
      windows: injector.windows,
      observations: api.observations,
      deliveries,
      vendor,
      consumed: consumer.received.map((m) => m.event.id),
      notified: notifications.received.map((r) => r.event.id),
      settled,
      supervisorOutput: stack.output(),
      wallSeconds: (Date.now() - began) / 1000,
    });
    return report;
  } finally {
    for (const step of teardown) await step().catch((err: Error) => log(`# teardown step failed: ${err.message}`));
  }
}

/** How many verifications exist so far (null while the database is unreachable). */
async function watcherCount(databaseUrl: string): Promise<number | null> {
  const pg = new PgClient({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  pg.on('error', () => undefined);
  try {
    await pg.connect();
    return Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM kyc_records')).rows[0]?.n ?? 0);
  } catch {
    return null;
  } finally {
    await pg.end().catch(() => undefined);
  }
}

const RUNNING_QUERY = 'ExecutionStatus = "Running" AND WorkflowType IN ("kycVerification", "kycReview", "webhookDelivery")';

async function runningWorkflows(temporal: TemporalConnectionOptions): Promise<number> {
  const connection = await Connection.connect(temporal);
  try {
    return (await new Client({ connection }).workflow.count(RUNNING_QUERY)).count;
  } finally {
    await connection.close();
  }
}

/** Waits until every workflow has closed, every event is published and delivered and both consumers have them all. */
async function settle(stack: { databaseUrl: string; temporal: TemporalConnectionOptions }, timeoutMs: number, seen: () => { consumed: number; notified: number }): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pg = new PgClient({ connectionString: stack.databaseUrl });
    let done = false;
    try {
      await pg.connect();
      const { rows } = await pg.query<{ undrained: string; pending: string; outbox: string }>(
        `SELECT (SELECT count(*) FROM outbox_events WHERE quarantined_at IS NULL AND (published_at IS NULL OR dispatched_at IS NULL)) AS undrained,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending,
                (SELECT count(*) FROM outbox_events WHERE quarantined_at IS NULL) AS outbox`,
      );
      const row = rows[0]!;
      const { consumed, notified } = seen();
      done = Number(row.undrained) === 0 && Number(row.pending) === 0 && consumed >= Number(row.outbox) && notified >= Number(row.outbox) && (await runningWorkflows(stack.temporal)) === 0;
    } catch {
      done = false;
    } finally {
      await pg.end().catch(() => undefined);
    }
    if (done) return true;
    if (Date.now() > deadline) return false;
    await sleep(2000);
  }
}

interface Measurements {
  databaseUrl: string;
  temporal: TemporalConnectionOptions;
  outcomes: Outcome[];
  windows: FaultWindow[];
  observations: Observation[];
  deliveries: DeliveryAttempt[];
  vendor: Record<string, number>;
  consumed: string[];
  notified: string[];
  settled: boolean;
  /** What `npm run stack` printed: it names each process that exited and was started again. */
  supervisorOutput: string;
  wallSeconds: number;
}

/**
 * The exits the run did not cause: each process's exits as the supervisor reported them, less
 * the kills of that process. A process a fault only reached (the database it uses restarting)
 * must survive it.
 */
function unprovokedExits(supervisorOutput: string, windows: FaultWindow[]): string[] {
  const exits = new Map<string, number>();
  for (const [, name] of supervisorOutput.matchAll(/^\[stack\] (\S+) exited/gm)) exits.set(name!, (exits.get(name!) ?? 0) + 1);
  for (const w of windows) if (w.killed) exits.set(w.killed, (exits.get(w.killed) ?? 0) - 1);
  return [...exits].filter(([, n]) => n > 0).map(([name, n]) => `${name} x${n}`);
}

const isServerError = (status: number) => status === 0 || status >= 500;

function copies(ids: string[]): { distinct: Set<string>; extra: number } {
  const distinct = new Set(ids);
  return { distinct, extra: ids.length - distinct.size };
}

async function measure(m: Measurements): Promise<ChaosReport> {
  const pg = new PgClient({ connectionString: m.databaseUrl });
  await pg.connect();
  const count = async (sql: string, params: unknown[] = []) => Number((await pg.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
  try {
    // A request met an outage when it was in flight at some moment of the window (a start sent
    // while a worker was down may fail a minute later, when its wait runs out).
    // Of two windows it overlaps, the later one: the outage the answer met.
    const inWindow = (sent: number, answered: number) => m.windows.findLast((w) => sent <= w.backAt + SETTLE_AFTER_RECOVERY_MS && answered >= w.downAt);
    const clientErrors = m.observations.filter((o) => isServerError(o.status));
    const webhookErrors = m.deliveries.filter((d) => d.httpStatus === null || d.httpStatus >= 500);
    const webhookWindow = (d: DeliveryAttempt) => inWindow(Date.parse(d.sentAt), Date.parse(d.at));
    const clientOutside = clientErrors.filter((o) => !inWindow(o.sentAt, o.at));
    const webhookOutside = webhookErrors.filter((d) => !webhookWindow(d));

    const reached = m.outcomes.filter((o) => o.seen === o.expected);
    const byBranch = (branch: Branch) => {
      const all = m.outcomes.filter((o) => o.branch === branch);
      return `${all.filter((o) => o.seen === o.expected).length}/${all.length}`;
    };
    // The database agrees with what the customer was told.
    const recordIds = m.outcomes.flatMap((o) => (o.recordId ? [o.recordId] : []));
    const statuses = new Map((await pg.query<{ id: string; status: KycStatus }>('SELECT id::text, status FROM kyc_records')).rows.map((r) => [r.id, r.status]));
    const disagreeing = m.outcomes.filter((o) => o.recordId && o.seen !== statuses.get(o.recordId)).length;
    const notFinal = await count(`SELECT count(*) AS n FROM kyc_records WHERE status NOT IN ('approved', 'rejected', 'expired', 'error')`);

    const unprocessed = await count('SELECT count(*) AS n FROM webhook_receipts WHERE processed_at IS NULL');
    const receipts = await count(`SELECT count(*) AS n FROM webhook_receipts WHERE source = 'veriff'`);
    const polled = await count(`SELECT count(*) AS n FROM webhook_receipts WHERE source = 'veriff-poll'`);

    const doubleUpgrades = await count(`SELECT count(*) AS n FROM (SELECT kyc_record_id FROM kyc_events WHERE event_type = 'WALLET_UPGRADED' GROUP BY 1 HAVING count(*) > 1) d`);
    const approved = await count(`SELECT count(*) AS n FROM kyc_records WHERE status = 'approved'`);
    const upgradedByApproval = await count(`SELECT count(*) AS n FROM kyc_records k JOIN wallets w ON w.user_id = k.user_id AND w.upgraded_by_record_id = k.id AND w.is_kyc_verified WHERE k.status = 'approved'`);
    // A fact is (record, event type, scope): the scope is what each writer's dedupe key starts
    // with, the record and attempt of a status change or effect, or the review task; a key that
    // names its fact otherwise (each document image kept, by its vendor media id) is its own scope.
    const scopeOf = `coalesce(substring(dedupe_key from '^[0-9a-f-]{36}(?::[0-9]+)?'), dedupe_key)`;
    const duplicateAudit = await count(`SELECT count(*) AS n FROM (SELECT kyc_record_id, event_type, ${scopeOf} FROM kyc_events WHERE dedupe_key IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d`);
    const duplicateOutbox = await count(`SELECT count(*) AS n FROM (SELECT kyc_record_id, type, ${scopeOf} FROM outbox_events GROUP BY 1, 2, 3 HAVING count(*) > 1) d`);
    const outboxIds = new Set((await pg.query<{ id: string }>('SELECT id::text FROM outbox_events WHERE quarantined_at IS NULL')).rows.map((r) => r.id));
    const quarantined = await count('SELECT count(*) AS n FROM outbox_events WHERE quarantined_at IS NOT NULL');
    const consumed = copies(m.consumed);
    const notified = copies(m.notified);
    const missing = (seen: Set<string>) => [...outboxIds].filter((id) => !seen.has(id)).length;
    const unknown = (seen: Set<string>) => [...seen].filter((id) => !outboxIds.has(id)).length;
    const failedDeliveries = await count(`SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'succeeded'`);
    let running: number | null = null;
    try {
      running = await runningWorkflows(m.temporal);
    } catch {
      running = null;
    }

    const rows: ChaosRow[] = [];
    const row = (figure: string, value: string | number, target: string, ok: boolean | null) => rows.push({ figure, value: String(value), target, ok });
    row('verifications that reached the state their script asked for', `${reached.length}/${m.outcomes.length}`, 'all', reached.length === m.outcomes.length);
    for (const branch of BRANCHES) row(`  ${branch.replaceAll('_', ' ')}`, byBranch(branch), 'all', null);
    row('customer status disagreeing with the database', disagreeing, '0', disagreeing === 0);
    row('records not in a final state', notFinal, '0', notFinal === 0);
    row('webhook receipts stored but not processed', unprocessed, '0', unprocessed === 0);
    row('webhooks the vendor gave up on (every retry failed)', m.vendor.webhooksUndelivered ?? 0, '0', (m.vendor.webhooksUndelivered ?? 0) === 0);
    row('webhook deliveries sent by the vendor (copies, retries) / facts stored', `${m.deliveries.length} / ${receipts}`, '-', null);
    row('decision webhooks lost on purpose / decisions fetched by the poll', `${m.vendor.decisionWebhooksLost ?? 0} / ${polled}`, 'every lost one fetched', polled >= (m.vendor.decisionWebhooksLost ?? 0));
    row('session creations failed on purpose (503, 2 s answers)', `${m.vendor.sessionCreationsFailed ?? 0} of ${m.vendor.sessionCreations ?? 0}`, '30 %', null);
    row('duplicate wallet upgrades', doubleUpgrades, '0', doubleUpgrades === 0);
    row('approved verifications / wallets upgraded by them', `${approved} / ${upgradedByApproval}`, 'equal', approved === upgradedByApproval);
    row('duplicate audit events (same record, type and attempt or task)', duplicateAudit, '0', duplicateAudit === 0);
    row('duplicate domain events in the outbox (same record, type and attempt or task)', duplicateOutbox, '0', duplicateOutbox === 0);
    row('domain events quarantined', quarantined, '0', quarantined === 0);
    row('events on RabbitMQ: missing / unknown of the outbox', `${missing(consumed.distinct)} / ${unknown(consumed.distinct)} (of ${outboxIds.size})`, '0 / 0', missing(consumed.distinct) === 0 && unknown(consumed.distinct) === 0);
    row('  same event id delivered again by the broker (at least once)', consumed.extra, 'counted', null);
    row('notifications (KYC_NOTIFY_URL): missing / unknown of the outbox', `${missing(notified.distinct)} / ${unknown(notified.distinct)} (of ${outboxIds.size})`, '0 / 0', missing(notified.distinct) === 0 && unknown(notified.distinct) === 0);
    row('  same notification id sent again (at least once)', notified.extra, 'counted', null);
    row('webhook deliveries not succeeded', failedDeliveries, '0', failedDeliveries === 0);
    const unprovoked = unprovokedExits(m.supervisorOutput, m.windows);
    row('processes that exited without being killed (a fault they only met)', unprovoked.length ? unprovoked.join(', ') : 0, '0', unprovoked.length === 0);
    row('stuck workflows (still running after the drain)', running ?? 'unknown', '0', running === 0);
    row('drained within the settle time', m.settled ? 'yes' : 'no', 'yes', m.settled);
    row('client 5xx or no answer, outside the outage windows', clientOutside.length, '0', clientOutside.length === 0);
    row('client 5xx or no answer, during the outage windows', clientErrors.length - clientOutside.length, 'counted', null);
    row('client requests in all', m.observations.length, '-', null);
    row('webhook 5xx or no answer to the vendor, outside the outage windows', webhookOutside.length, '0', webhookOutside.length === 0);
    row('webhook 5xx or no answer to the vendor, during the outage windows', webhookErrors.length - webhookOutside.length, 'counted', null);

    const faults = m.windows.map((w) => {
      const client = clientErrors.filter((o) => inWindow(o.sentAt, o.at) === w);
      const webhook = webhookErrors.filter((d) => webhookWindow(d) === w);
      // What the clients met, grouped: "POST /api/kyc/records/start_verification/ 503 x2".
      const groups = new Map<string, number>();
      for (const o of client) groups.set(`${o.route} ${o.status || 'no answer'}`, (groups.get(`${o.route} ${o.status || 'no answer'}`) ?? 0) + 1);
      for (const d of webhook) groups.set(`webhook ${d.httpStatus ?? 'no answer'}`, (groups.get(`webhook ${d.httpStatus ?? 'no answer'}`) ?? 0) + 1);
      return { ...w, clientErrors: client.length, webhookErrors: webhook.length, seen: [...groups].map(([what, n]) => `${what} x${n}`).join('; ') };
    });
    const passed = rows.every((r) => r.ok !== false);
    const table = render(rows, faults, clientOutside, m.wallSeconds, recordIds.length);
    return { rows, faults, outcomes: m.outcomes, passed, table, wallSeconds: m.wallSeconds };
  } finally {
    await pg.end();
  }
}

function render(rows: ChaosRow[], faults: ChaosReport['faults'], outside: Observation[], wallSeconds: number, started: number): string {
  const widths = [Math.max(...rows.map((r) => r.figure.length)), Math.max(5, ...rows.map((r) => r.value.length)), Math.max(6, ...rows.map((r) => r.target.length))];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : i < 3 ? c.padStart(widths[i]!) : c)).join('  ');
  const out = [line(['figure', 'value', 'target', '']), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line([r.figure, r.value, r.target, r.ok === null ? '' : r.ok ? 'ok' : 'MISSED']));
  out.push('', 'faults (window: from the kill until the component served again, checked from outside, plus 5 s; an error counts as during it when its request was in flight then):');
  const faultWidth = Math.max(...faults.map((f) => f.name.length), 5);
  const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  out.push(`${'fault'.padEnd(faultWidth)}  at (UTC)  down s  client 5xx  webhook 5xx  what they met`);
  for (const f of faults) out.push(`${f.name.padEnd(faultWidth)}  ${clock(f.downAt)}  ${((f.backAt - f.downAt) / 1000).toFixed(1).padStart(6)}  ${String(f.clientErrors).padStart(10)}  ${String(f.webhookErrors).padStart(11)}  ${f.seen}`);
  if (outside.length) {
    out.push('', 'client errors outside the windows (request sent -> answered):');
    for (const o of outside.slice(0, 20)) out.push(`  ${clock(o.sentAt)} -> ${clock(o.at)} ${o.route} -> ${o.status || 'no answer'}`);
  }
  out.push('', `${started} verifications started; run time ${wallSeconds.toFixed(0)} s`);
  return out.join('\n');
}
