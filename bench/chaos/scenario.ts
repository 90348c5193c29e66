import { Client as PgClient } from 'pg';
import { isTerminal, type KycStatus } from '../../domain/status';
import { SAMPLE_APPLICATION } from '../../test/support/system';
import { type ObservedClient } from './client';

// What each customer of the chaos run does, branch by branch, through the public API (the load
// balancer) and through the Veriff simulator's control API (playing the customer in Veriff's flow,
// and Veriff's own decisions). The waits read statuses from the database in one query for all
// customers, so hundreds of waiting customers do not flood the API; what each customer finally
// sees is read through the API.

export const BRANCHES = ['approve', 'decline', 'resubmit_then_approve', 'review_then_approve', 'review_then_reject', 'expiry'] as const;
export type Branch = (typeof BRANCHES)[number];

export const EXPECTED: Record<Branch, KycStatus> = {
  approve: 'approved',
  decline: 'rejected',
  resubmit_then_approve: 'approved',
  review_then_approve: 'approved',
  review_then_reject: 'rejected',
  expiry: 'expired',
};

/** n customers spread over the branches in turn (every branch gets its share). */
export function planBranches(n: number): Branch[] {
  return Array.from({ length: n }, (_, i) => BRANCHES[i % BRANCHES.length] as Branch);
}

export interface Outcome {
  index: number;
  branch: Branch;
  expected: KycStatus;
  recordId: string | null;
  /** What the customer's status endpoint answers at the end. */
  seen: KycStatus | null;
  /** Why the script could not finish, when it could not. */
  error: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RecordRow {
  status: KycStatus;
  attempt: number;
  session: string | null;
}

/** One query every half second for every record someone waits on; survives database restarts. */
export class StatusWatcher {
  private readonly rows = new Map<string, RecordRow>();
  private readonly watched = new Set<string>();
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly databaseUrl: string) {
    this.loop = this.run();
  }

  watch(recordId: string): void {
    this.watched.add(recordId);
  }

  async until(recordId: string, what: string, predicate: (row: RecordRow) => boolean, timeoutMs: number): Promise<RecordRow> {
    this.watched.add(recordId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = this.rows.get(recordId);
      if (row && predicate(row)) return row;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}; last seen ${row ? `${row.status} (attempt ${row.attempt})` : 'nothing'}`);
      await sleep(250);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let pg: PgClient | null = null;
    while (!this.stopped) {
      try {
        if (!pg) {
          pg = new PgClient({ connectionString: this.databaseUrl, connectionTimeoutMillis: 2000 });
          pg.on('error', () => undefined);
          await pg.connect();
        }
        if (this.watched.size) {
          const { rows } = await pg.query<{ id: string; status: KycStatus; attempt: number; veriff_session_id: string | null }>(
            'SELECT id::text, status, attempt, veriff_session_id FROM kyc_records WHERE id = ANY($1::uuid[])',
            [[...this.watched]],
          );
          for (const row of rows) this.rows.set(row.id, { status: row.status, attempt: row.attempt, session: row.veriff_session_id });
        }
      } catch {
        // The database is restarting: reconnect on the next turn.
        await pg?.end().catch(() => undefined);
        pg = null;
      }
      await sleep(500);
    }
    await pg?.end().catch(() => undefined);
  }
}

export interface ScenarioContext {
  api: ObservedClient;
  simulatorUrl: string;
  watcher: StatusWatcher;
  /** A senior reviewer's token (any case, any level). */
  reviewerToken: string;
  runId: string;
  /** How long a step may wait for the system (a lost decision waits for the poll after the session timeout). */
  stepTimeoutMs: number;
  /** Gate for the expensive first steps (account, start), so hundreds of customers do not start in the same second. */
  gate: <T>(task: () => Promise<T>) => Promise<T>;
}

async function simulator(ctx: ScenarioContext, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  // The simulator is never restarted: any failure to reach it is a failure of the run.
  const response = await fetch(`${ctx.simulatorUrl}/control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`simulator ${method} ${path} answered ${response.status}: ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** The Veriff session the record's current attempt opened. */
async function currentSession(ctx: ScenarioContext, recordId: string): Promise<string> {
  const row = await ctx.watcher.until(recordId, 'the session of the current attempt', (r) => r.session !== null, ctx.stepTimeoutMs);
  return row.session!;
}

async function decide(ctx: ScenarioContext, recordId: string, status: string): Promise<void> {
  // A moment in Veriff's flow first, as a person takes: decisions do not all come at once.
  await sleep(500 + Math.random() * 3500);
  await simulator(ctx, 'POST', `/sessions/${await currentSession(ctx, recordId)}/decision`, { status, withEvents: true });
}

async function openAccount(ctx: ScenarioContext, index: number): Promise<string> {
  const username = `chaos-${ctx.runId}-${index}`;
  const password = 'correct horse battery staple';
  // 202 whether this call or a retried one whose answer was lost created the account: signing in tells.
  const registered = await ctx.api.call('POST /api/auth/register/', 'POST', '/api/auth/register/', { body: { username, password } });
  if (registered.status !== 202) throw new Error(`registration answered ${registered.status}: ${JSON.stringify(registered.json).slice(0, 200)}`);
  const login = await ctx.api.call('POST /api/auth/login/', 'POST', '/api/auth/login/', { body: { username, password } });
  if (login.status !== 200) throw new Error(`sign-in after registration answered ${login.status}`);
  return login.json.access as string;
}

async function start(ctx: ScenarioContext, index: number, token: string): Promise<string> {
  const application = { ...SAMPLE_APPLICATION, document_number: `BP${String(100_000_000 + index)}` };
  const started = await ctx.api.call('POST /api/kyc/records/start_verification/', 'POST', '/api/kyc/records/start_verification/', { token, body: application });
  // 200: a retried start found the verification its first attempt had started.
  if (started.status !== 201 && started.status !== 200) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.json).slice(0, 300)}`);
  return started.json.id as string;
}

async function retryAfterResubmission(ctx: ScenarioContext, recordId: string, token: string): Promise<void> {
  await ctx.watcher.until(recordId, 'resubmission_required', (r) => r.status === 'resubmission_required', ctx.stepTimeoutMs);
  const retried = await ctx.api.call('POST /api/kyc/records/:id/retry/', 'POST', `/api/kyc/records/${recordId}/retry/`, { token });
  // 409 after a retried call: the first attempt had started the new attempt.
  if (retried.status !== 200 && retried.status !== 201 && !(retried.status === 409 && retried.attempts > 1)) {
    throw new Error(`retry answered ${retried.status}: ${JSON.stringify(retried.json).slice(0, 300)}`);
  }
  await ctx.watcher.until(recordId, 'the second attempt\'s session', (r) => r.attempt === 2 && r.session !== null && r.status === 'pending', ctx.stepTimeoutMs);
}

async function reviewerDecides(ctx: ScenarioContext, recordId: string, decision: 'approve' | 'reject'): Promise<void> {
  await ctx.watcher.until(recordId, 'under_review', (r) => r.status === 'under_review', ctx.stepTimeoutMs);
  const deadline = Date.now() + ctx.stepTimeoutMs;
  let taskId: string | null = null;
  while (!taskId) {
    const file = await ctx.api.call('GET /api/review/cases/:recordId/', 'GET', `/api/review/cases/${recordId}/`, { token: ctx.reviewerToken });
    if (file.status === 200) taskId = ((file.json.tasks as { task_id: string; status: string }[]).find((t) => t.status === 'open')?.task_id) ?? null;
    if (!taskId) {
      if (Date.now() > deadline) throw new Error(`no open review task (case file answered ${file.status})`);
      await sleep(1000);
    }
  }
  const body = decision === 'approve' ? { decision } : { decision, reason_code: 'document_invalid' };
  const decided = await ctx.api.call('POST /api/review/tasks/:taskId/decision/', 'POST', `/api/review/tasks/${taskId}/decision/`, { token: ctx.reviewerToken, body });
  if (decided.status !== 200 && !(decided.status === 409 && decided.attempts > 1)) throw new Error(`review decision answered ${decided.status}: ${JSON.stringify(decided.json).slice(0, 300)}`);
}

/** One customer's whole journey down its branch; never throws (a failure is the outcome's error). */
export async function runCustomer(ctx: ScenarioContext, index: number, branch: Branch, expiryTimeoutMs: number): Promise<Outcome> {
  const outcome: Outcome = { index, branch, expected: EXPECTED[branch], recordId: null, seen: null, error: null };
  try {
    const token = await ctx.gate(() => openAccount(ctx, index));
    const recordId = await ctx.gate(() => start(ctx, index, token));
    outcome.recordId = recordId;
    ctx.watcher.watch(recordId);
    switch (branch) {
      case 'approve':
        await decide(ctx, recordId, 'approved');
        break;
      case 'decline':
        await decide(ctx, recordId, 'declined');
        break;
      case 'resubmit_then_approve':
        await decide(ctx, recordId, 'resubmission_requested');
        await retryAfterResubmission(ctx, recordId, token);
        await decide(ctx, recordId, 'approved');
        break;
      case 'review_then_approve':
      case 'review_then_reject':
        await decide(ctx, recordId, 'review');
        await reviewerDecides(ctx, recordId, branch === 'review_then_approve' ? 'approve' : 'reject');
        break;
      case 'expiry':
        // The customer never opens the session: the verification expires on its own.
        break;
    }
    await ctx.watcher.until(recordId, 'a final status', (r) => isTerminal(r.status), branch === 'expiry' ? expiryTimeoutMs : ctx.stepTimeoutMs);
    const status = await ctx.api.call('GET /api/kyc/records/:id/status/', 'GET', `/api/kyc/records/${recordId}/status/`, { token });
    if (status.status !== 200) throw new Error(`status answered ${status.status}`);
    outcome.seen = status.json.status as KycStatus;
  } catch (err) {
    outcome.error = (err as Error).message;
  }
  return outcome;
}

/** At most `limit` tasks inside at once. */
export function gate(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}
