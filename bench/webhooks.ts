import express from 'express';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createDb } from '../infra/db';
import { VeriffClient } from '../vendors/veriff/client';
import { EVENT_CODES } from '../vendors/veriff/contract';
import { VENDOR_MEDIA_WORKFLOW_TYPE } from '../workflows/vendor-media.contract';
import { signPayload } from '../vendors/veriff/signature';
import { api, type TestSystem } from '../test/support/system';
import { customers, ms, runPool, summarise, table, type LatencySummary } from './support';
import { startWorkerProcess } from './worker-process';

// The webhook endpoint's accepted webhooks per second, against a bare Express handler storing the
// same row (the receipt, its body encrypted) and nothing else, on the same database in the same
// process, taking turns; the workflows run on a worker process of their own, as in production. Each round opens fresh verifications (not timed) and sends each of them
// its three webhooks (started, submitted, the decision) as Veriff would: signed, news every one.

interface Hook {
  raw: string;
  signature: string;
  dedupeKey: string;
  kind: 'event' | 'decision';
  sessionId: string;
  attemptId: string;
  statusOrAction: string;
}

interface Turn {
  accepted: number;
  sent: number;
  wallMs: number;
  latency: number[];
}

async function listen(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** K verifications with open sessions, and the three webhooks Veriff would send each. */
async function openVerifications(system: TestSystem, count: number, offset: number, concurrency: number): Promise<{ hooks: Hook[][]; userIds: string[] }> {
  const users = await customers(system, count, offset);
  const veriff = new VeriffClient({ baseUrl: system.config.VERIFF_BASE_URL, apiKey: system.config.VERIFF_API_KEY, apiSecret: system.config.VERIFF_API_SECRET });
  const hooks: Hook[][] = [];
  const sign = (body: unknown, meta: Omit<Hook, 'raw' | 'signature'>): Hook => {
    const raw = JSON.stringify(body);
    return { raw, signature: signPayload(raw, system.config.VERIFF_WEBHOOK_SECRET), ...meta };
  };
  await runPool(users, concurrency, async (user) => {
    let started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: user.application, headers: { 'x-forwarded-for': user.clientIp } });
    // A busy machine may keep a session past the start's wait: a client retries and gets it.
    for (let retry = 0; retry < 3 && started.status === 503; retry += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: user.application, headers: { 'x-forwarded-for': user.clientIp } });
    }
    if (started.status !== 201 && started.status !== 200) throw new Error(`start_verification answered ${started.status}: ${started.text}`);
    const recordId = started.json.id as string;
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId }, select: { veriffSessionId: true } });
    const sessionId = record.veriffSessionId!;
    const control = `${system.simulator.url}/control/sessions/${sessionId}`;
    const session = ((await (await fetch(control)).json()) as { session: { attempts: { id: string }[] } }).session;
    const attemptId = session.attempts.at(-1)!.id;
    // The simulator builds the decision Veriff would send, and keeps it to itself (deliver: false).
    const decided = (await (await fetch(`${control}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'approved', withEvents: false, deliver: false }) })).json()) as { decision: unknown };
    // Veriff holds a session's images before it decides; the simulator draws them when first
    // asked, in this process. Asked here, untimed, so the drawing does not land in a timed turn.
    await veriff.listMedia(sessionId);
    const event = (action: 'started' | 'submitted') =>
      sign({ id: sessionId, attemptId, feature: 'selfid', code: EVENT_CODES[action], action, vendorData: recordId, endUserId: null }, { kind: 'event', sessionId, attemptId, statusOrAction: action, dedupeKey: `${sessionId}:${attemptId}:${action}` });
    hooks.push([event('started'), event('submitted'), sign(decided.decision, { kind: 'decision', sessionId, attemptId, statusOrAction: 'approved', dedupeKey: `${sessionId}:${attemptId}:approved` })]);
  });
  return { hooks, userIds: users.map((u) => u.id) };
}

/** Sends every verification's webhooks in order, verifications side by side. */
async function send(url: string, hooks: Hook[][], apiKey: string, concurrency: number): Promise<Turn> {
  const latency: number[] = [];
  let accepted = 0;
  const began = performance.now();
  await runPool(hooks, concurrency, async (ofOne) => {
    for (const hook of ofOne) {
      const sent = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-client': apiKey, 'x-hmac-signature': hook.signature }, body: hook.raw });
      await response.arrayBuffer();
      latency.push(performance.now() - sent);
      if (response.status === 200) accepted += 1;
    }
  });
  return { accepted, sent: hooks.flat().length, wallMs: performance.now() - began, latency };
}

export async function webhookSection(system: TestSystem, options: { webhooks: number; rounds: number; concurrency: number }): Promise<void> {
  // The bare handler: the same body limit, the same row (encrypted body included), nothing else.
  const bareDb = createDb(system.config.DATABASE_URL!, 5);
  const bare = express();
  bare.post('/hook', express.raw({ type: () => true, limit: '32kb' }), async (req, res) => {
    const raw = (req.body as Buffer).toString('utf8');
    const body = JSON.parse(raw) as { id?: string; attemptId?: string; action?: string; verification?: { id: string; attemptId?: string; status: string } };
    const sessionId = body.verification?.id ?? body.id ?? '';
    const attemptId = body.verification?.attemptId ?? body.attemptId ?? '';
    const statusOrAction = body.verification?.status ?? body.action ?? '';
    await bareDb.webhookReceipt.create({
      data: { kind: body.verification ? 'decision' : 'event', sessionId, attemptId, statusOrAction, dedupeKey: `bare:${sessionId}:${attemptId}:${statusOrAction}`, rawBodyEnc: system.cipher.encrypt(raw), signatureVerdict: 'valid' },
      select: { id: true },
    });
    res.json({ received: true });
  });
  const bareServer = await listen(bare);
  const ours: Turn[] = [];
  const theirs: Turn[] = [];
  const sharing: Turn[] = [];
  // As production runs it: this process serves the API (and the bare handler); the workflows run
  // on a worker process of their own, which production gives machines of its own. Here it shares
  // two cores with the endpoint, so it is stopped while the endpoint's turn is timed (Temporal
  // queues what the webhooks set off) and drains untimed after it. One more turn, at the end, is
  // timed with the worker running beside the endpoint: what this one machine does.
  await system.stopWorker();
  let worker = await startWorkerProcess(system, system.config.TEMPORAL_TASK_QUEUE);
  const drained = async (userIds: string[]) => {
    // What the webhooks set off (the verifications decided, the session images kept) finishes
    // before the next turn is timed, so no turn pays for another's work.
    const deadline = Date.now() + 300_000;
    const busy = async () =>
      (await system.db.wallet.count({ where: { userId: { in: userIds }, upgradedAt: { not: null } } })) < userIds.length ||
      (await system.db.webhookReceipt.count({ where: { kycRecord: { userId: { in: userIds } }, processedAt: null } })) > 0 ||
      (await system.client.workflow.count(`WorkflowType = '${VENDOR_MEDIA_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`)).count > 0;
    while ((await busy()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  };
  const endpoint = `${system.apiUrl}/api/kyc/webhook/veriff/`;
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      const { hooks, userIds } = await openVerifications(system, options.webhooks, 1_000_000 + round * options.webhooks, options.concurrency);
      const ourTurn = async () => {
        await worker.stop();
        ours.push(await send(endpoint, hooks, system.config.VERIFF_API_KEY, options.concurrency));
        worker = await startWorkerProcess(system, system.config.TEMPORAL_TASK_QUEUE);
        await drained(userIds);
      };
      const bareTurn = async () => {
        theirs.push(await send(`${bareServer.url}/hook`, hooks, system.config.VERIFF_API_KEY, options.concurrency));
      };
      if (round % 2 === 0) {
        await ourTurn();
        await bareTurn();
      } else {
        await bareTurn();
        await ourTurn();
      }
      console.log(`# webhook round ${round + 1}/${options.rounds}: endpoint ${(ours.at(-1)!.accepted / (ours.at(-1)!.wallMs / 1000)).toFixed(0)}/s, bare ${(theirs.at(-1)!.accepted / (theirs.at(-1)!.wallMs / 1000)).toFixed(0)}/s`);
    }
    const { hooks, userIds } = await openVerifications(system, options.webhooks, 1_000_000 + options.rounds * options.webhooks, options.concurrency);
    sharing.push(await send(endpoint, hooks, system.config.VERIFF_API_KEY, options.concurrency));
    await drained(userIds);
  } finally {
    await worker.stop();
    await system.startWorker();
    await bareServer.close();
    await bareDb.$disconnect();
  }
  const total = (turns: Turn[]) => ({ accepted: turns.reduce((n, t) => n + t.accepted, 0), sent: turns.reduce((n, t) => n + t.sent, 0), wallMs: turns.reduce((n, t) => n + t.wallMs, 0), latency: summarise(turns.flatMap((t) => t.latency)) });
  const a = total(ours);
  const b = total(theirs);
  const rate = (t: { accepted: number; wallMs: number }) => t.accepted / (t.wallMs / 1000);
  const row = (name: string, t: { accepted: number; sent: number; wallMs: number; latency: LatencySummary }) => [name, `${t.accepted}/${t.sent}`, rate(t).toFixed(0), ms(t.latency.p50), ms(t.latency.p99)];
  console.log(`\n== webhook endpoint: accepted webhooks per second (${options.webhooks} verifications x 3 webhooks a round, ${options.concurrency} at once, ${options.rounds} rounds taking turns) ==`);
  console.log(table(['receiver', 'accepted', 'per second', 'p50 ms', 'p99 ms'], [row('POST /api/kyc/webhook/veriff/', a), row('bare Express + INSERT', b), row('the endpoint, worker on the same cores (1 turn)', total(sharing))]));
  const ratio = rate(a) / rate(b);
  console.log(`  endpoint/bare ${ratio.toFixed(2)}x (target >= 0.50x: ${ratio >= 0.5 ? 'met' : 'MISSED'}): the endpoint checks the signature, finds the verification, stores the receipt and answers, then signals the workflow (the webhook inbox), all in the timed turn; the worker runs what the signals set off untimed (production gives it machines of its own)`);
  console.log(`  with the worker on the same two cores: ${(rate(total(sharing)) / rate(b)).toFixed(2)}x of the bare handler`);
}
