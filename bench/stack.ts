import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { SAMPLE_APPLICATION } from '../test/support/system';
import { startStack } from './chaos/stack-control';
import { ms, runPool, summarise, table, type LatencySummary } from './support';

// The same end-to-end run on the production topology (`npm run stack`: Temporal Server on
// PostgreSQL, two APIs behind HAProxy, the relay, RabbitMQ), once with one worker process and once
// with two: accounts opened through the load balancer first (not timed), then each customer starts,
// Veriff approves, and the wallet upgrade ends the customer's turn.

interface StackFigures {
  workers: number;
  n: number;
  wallMs: number;
  latency: LatencySummary;
  start: LatencySummary;
}

const PER_ITEM_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

async function runOnStack(serverUrl: string, workers: number, n: number, concurrency: number): Promise<StackFigures> {
  const stack = await startStack({
    serverUrl,
    dbPrefix: `kyc_bench_${randomBytes(3).toString('hex')}`,
    env: { KYC_STACK_WORKERS: String(workers), VERIFF_SIMULATOR_AUTO_DECIDE_MS: 'off', KYC_RATE_LIMIT_PER_IP: '1000000', KYC_REGISTRATION_LIMIT_PER_IP: '1000000' },
  });
  // A pool: the lanes poll for their upgrades at once, and one client would queue them.
  const pg = new Pool({ connectionString: stack.databaseUrl, max: 4 });
  try {
    const tokens: string[] = [];
    await runPool(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
      const credentials = { username: `stack-bench-${i}`, password: 'correct horse battery staple' };
      const registered = await post(`${stack.url}/api/auth/register/`, credentials);
      if (registered.status !== 202) throw new Error(`registration answered ${registered.status}`);
      const signedIn = await post(`${stack.url}/api/auth/login/`, credentials);
      if (signedIn.status !== 200) throw new Error(`sign-in after registration answered ${signedIn.status}`);
      tokens.push(signedIn.json.access as string);
    });
    const starts: number[] = [];
    const recordIds: string[] = [];
    const began = performance.now();
    await runPool(tokens.map((token, i) => ({ token, i })), concurrency, async ({ token, i }) => {
      const sent = performance.now();
      const started = await post(`${stack.url}/api/kyc/records/start_verification/`, { ...SAMPLE_APPLICATION, document_number: `BP${100_000_000 + i}` }, token);
      starts.push(performance.now() - sent);
      if (started.status !== 201) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.json).slice(0, 200)}`);
      const recordId = started.json.id as string;
      recordIds.push(recordId);
      const sessionId = ((await (await fetch(`${stack.simulatorUrl}/control/sessions?vendorData=${recordId}`)).json()) as { sessions: { id: string }[] }).sessions[0]!.id;
      const until = async (what: string, sql: string) => {
        const deadline = Date.now() + PER_ITEM_TIMEOUT_MS;
        while (!(await pg.query(sql, [recordId])).rows.length) {
          if (Date.now() > deadline) throw new Error(`${what} of ${recordId} not seen in time`);
          await sleep(50);
        }
      };
      // As in the end-to-end section: the session's events, then the decision once they reached the workflow.
      for (const action of ['started', 'submitted']) {
        const sent = await post(`${stack.simulatorUrl}/control/sessions/${sessionId}/events`, { action });
        if (sent.status !== 200) throw new Error(`the simulator answered ${sent.status}`);
      }
      await until('the events handed over', "SELECT 1 FROM webhook_receipts WHERE kyc_record_id = $1 AND kind = 'event' AND status_or_action = 'submitted' AND processed_at IS NOT NULL");
      const decided = await post(`${stack.simulatorUrl}/control/sessions/${sessionId}/decision`, { status: 'approved', withEvents: false });
      if (decided.status !== 200) throw new Error(`the simulator answered ${decided.status}`);
      await until('the wallet upgrade', 'SELECT 1 FROM wallets w JOIN kyc_records k ON w.upgraded_by_record_id = k.id WHERE k.id = $1');
    });
    const wallMs = performance.now() - began;
    const { rows } = await pg.query<{ ms: string }>(
      `SELECT EXTRACT(EPOCH FROM (w.upgraded_at - r.received_at)) * 1000 AS ms
         FROM kyc_records k JOIN wallets w ON w.upgraded_by_record_id = k.id
         JOIN webhook_receipts r ON r.kyc_record_id = k.id AND r.kind = 'decision' AND r.status_or_action = 'approved'
        WHERE k.id = ANY($1::uuid[])`,
      [recordIds],
    );
    return { workers, n, wallMs, latency: summarise(rows.map((r) => Number(r.ms))), start: summarise(starts) };
  } finally {
    await pg.end().catch(() => undefined);
    await stack.stop();
  }
}

export async function stackSection(options: { n: number; concurrency: number }): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set: run the benchmark with `npm run bench`');
  const results: StackFigures[] = [];
  for (const workers of [1, 2]) {
    results.push(await runOnStack(serverUrl, workers, options.n, options.concurrency));
    console.log(`# stack with ${workers} worker(s): ${(results.at(-1)!.n / (results.at(-1)!.wallMs / 1000)).toFixed(2)} verifications/s`);
  }
  console.log(`\n== the production topology (npm run stack: Temporal Server on PostgreSQL, 2 APIs behind HAProxy, relay, RabbitMQ): ${options.n} approved verifications, ${options.concurrency} at once ==`);
  console.log(
    table(
      ['workers', 'N', 'wall s', 'throughput/s', 'latency p50 ms', 'p99 ms', 'start p50 ms', 'start p99 ms'],
      results.map((r) => [String(r.workers), String(r.n), (r.wallMs / 1000).toFixed(1), (r.n / (r.wallMs / 1000)).toFixed(2), ms(r.latency.p50), ms(r.latency.p99), ms(r.start.p50), ms(r.start.p99)]),
    ),
  );
  console.log('  latency: approved webhook stored -> wallet upgraded (DB timestamps), as in the end-to-end section; every process shares the same cores');
}
