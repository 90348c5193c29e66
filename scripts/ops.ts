import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { loadConfig, type Config } from '../domain/config';
import { isTerminal, type KycStatus } from '../domain/status';
import { createDb, type Db } from '../infra/db';
import { awaitingCustomerCount, stuckRecords } from '../store/ops-queries';
import { connectTemporalClient } from '../infra/temporal';
import { reviewStateQuery } from '../workflows/kyc-review.contract';
import { stateQuery, type VerificationState } from '../workflows/kyc-verification.contract';

// The on-call check of KYC status, for the people on call:
//
//   npm run ops -- stuck [--minutes N]     verifications waiting for the customer too long
//   npm run ops -- pending                 the backlog against KYC_ALERT_PENDING_RECORDS_LIMIT
//   npm run ops -- show <recordId>         the record's audit trail beside its workflow's history
//   npm run ops -- reconcile [--days N]    records whose status and workflow disagree (exit 1 if any)
//
// Add --json for machine-readable output. Reads DATABASE_URL, TEMPORAL_ADDRESS and the payload
// keys like the worker does (without DATABASE_URL: the database of a running `npm start`).
// Prints ids, statuses, codes and times: never PII (no *_enc column is read).

const USAGE = 'usage: npm run ops -- stuck [--minutes N] | pending | show <recordId> | reconcile [--days N]   [--json]';
const QUERY_DEADLINE_MS = 5_000;

class UsageError extends Error {}

interface Options {
  command: string;
  positional: string[];
  json: boolean;
  minutes?: number;
  days?: number;
}

function parseArgs(argv: string[]): Options {
  const [command = 'help', ...rest] = argv;
  const options: Options = { command, positional: [], json: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--minutes' || arg === '--days') {
      const value = Number(rest[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${arg} needs a positive number`);
      options[arg === '--minutes' ? 'minutes' : 'days'] = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.positional.push(arg);
  }
  return options;
}

function databaseUrl(config: Config): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const port = Number(process.env.KYC_EMBEDDED_PG_PORT ?? 55432);
  process.stderr.write(`DATABASE_URL is not set: using the embedded database of npm start on port ${port}\n`);
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '-');

function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

// ---------------------------------------------------------------------------------------------
// stuck, pending

async function stuck(db: Db, config: Config, options: Options): Promise<number> {
  const olderThanMinutes = options.minutes ?? config.KYC_ALERT_STUCK_RECORDS_THRESHOLD * 60;
  const { count, records } = await stuckRecords(db, { olderThanMinutes, limit: 500 });
  if (options.json) {
    console.log(JSON.stringify({ olderThanMinutes, count, records }, null, 2));
    return 0;
  }
  console.log(`${count} verification(s) pending or in_progress for more than ${olderThanMinutes} minutes${count > records.length ? ` (oldest ${records.length} listed)` : ''}`);
  if (records.length) console.log(table(['record', 'user', 'status', 'country', 'created', 'minutes'], records.map((r) => [r.id, r.userId, r.status, r.country, iso(r.createdAt), r.minutesSinceCreated])));
  return 0;
}

async function pending(db: Db, config: Config, options: Options): Promise<number> {
  const [byStatus, awaiting, oldest, reviews, outbox] = await Promise.all([
    db.kycRecord.groupBy({ by: ['status'], where: { status: { in: ['pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required'] } }, _count: { _all: true } }),
    awaitingCustomerCount(db),
    db.kycRecord.findMany({ where: { status: { in: ['pending', 'in_progress'] } }, orderBy: { createdAt: 'asc' }, take: 20, select: { id: true, userId: true, status: true, country: true, createdAt: true } }),
    db.reviewTask.groupBy({ by: ['level'], where: { status: 'open' }, _count: { _all: true } }),
    db.outboxEvent.count({ where: { quarantinedAt: null, OR: [{ dispatchedAt: null }, ...(config.KYC_EVENT_BROKER_URL ? [{ publishedAt: null }] : [])] } }),
  ]);
  const counts = Object.fromEntries(byStatus.map((s) => [s.status, s._count._all]));
  const limit = config.KYC_ALERT_PENDING_RECORDS_LIMIT;
  const openReviews = Object.fromEntries(reviews.map((r) => [r.level, r._count._all]));
  if (options.json) {
    console.log(JSON.stringify({ active: counts, awaitingCustomer: awaiting, limit, overLimit: awaiting > limit, openReviewTasks: openReviews, unpublishedOutbox: outbox, oldest }, null, 2));
    return 0;
  }
  console.log(`${awaiting} verification(s) waiting for the customer (pending + in_progress); alert limit ${limit}${awaiting > limit ? '  << OVER THE LIMIT' : ''}`);
  console.log(table(['status', 'count'], Object.entries(counts).map(([status, count]) => [status, count])));
  console.log(`open review tasks: standard ${openReviews.standard ?? 0}, senior ${openReviews.senior ?? 0}; unpublished outbox events: ${outbox}`);
  if (oldest.length) {
    console.log('\noldest waiting:');
    console.log(table(['record', 'user', 'status', 'country', 'created'], oldest.map((r) => [r.id, r.userId, r.status, r.country, iso(r.createdAt)])));
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// show

type EventType = proto.api.enums.v1.EventType;
const EventType = proto.api.enums.v1.EventType;

// A search attribute's value: plain JSON (search attributes are indexed, so never encrypted).
function searchAttributeValue(payload: proto.api.common.v1.IPayload | null | undefined): string {
  if (!payload?.data) return '';
  try {
    const value: unknown = JSON.parse(Buffer.from(payload.data).toString('utf8'));
    return Array.isArray(value) ? value.join(',') : String(value);
  } catch {
    return '?';
  }
}

function localActivityName(data: Uint8Array | null | undefined): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data ?? new Uint8Array()).toString('utf8'));
    const name = parsed && typeof parsed === 'object' ? (parsed as { activity_type?: unknown }).activity_type : undefined;
    return typeof name === 'string' ? name : '?';
  } catch {
    return '?';
  }
}

/** A one-line description of a history event, or null for the bookkeeping ones (workflow tasks). */
function describeHistoryEvent(event: proto.api.history.v1.IHistoryEvent, activityNames: Map<string, string>): string | null {
  const type = event.eventType as EventType;
  const id = String(event.eventId ?? '');
  switch (type) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      return `started ${event.workflowExecutionStartedEventAttributes?.workflowType?.name ?? ''}`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      activityNames.set(id, name);
      return `activity ${name}`;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      return `  done ${activityNames.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId ?? '')) ?? ''}`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      return `  FAILED ${activityNames.get(String(event.activityTaskFailedEventAttributes?.scheduledEventId ?? '')) ?? ''}`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      return `  TIMED OUT ${activityNames.get(String(event.activityTaskTimedOutEventAttributes?.scheduledEventId ?? '')) ?? ''}`;
    case EventType.EVENT_TYPE_MARKER_RECORDED: {
      // A local activity (the database steps) is a marker: its name is in the marker's own data
      // (written by the SDK, not by our payload codec); patch markers are bookkeeping.
      const attrs = event.markerRecordedEventAttributes;
      if (attrs?.markerName !== 'core_local_activity') return null;
      return `local activity ${localActivityName(attrs.details?.data?.payloads?.[0]?.data)}${attrs.failure ? ' FAILED' : ''}`;
    }
    case EventType.EVENT_TYPE_TIMER_STARTED: {
      const seconds = Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0);
      return `timer ${seconds}s`;
    }
    case EventType.EVENT_TYPE_TIMER_FIRED:
      return 'timer fired';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      return `signal ${event.workflowExecutionSignaledEventAttributes?.signalName ?? ''}`;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return `update ${event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? ''}`;
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      return `child ${event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? ''} ${event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? ''}`;
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      return '  child completed';
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
      // By name: the history carries them as a map, whose order says nothing.
      const sorted = Object.entries(fields).sort(([a], [b]) => a.localeCompare(b));
      return `search attributes ${sorted.map(([k, v]) => `${k}=${searchAttributeValue(v)}`).join(' ')}`;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return 'workflow completed';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return 'workflow FAILED';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return 'workflow TERMINATED';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return 'workflow TIMED OUT';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return 'workflow CANCELED';
    default:
      return null;
  }
}

async function workflowStatus(client: Client, workflowId: string, runId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw err;
  }
}

// A query needs a worker to answer: bounded, so a stopped worker shows as such instead of hanging.
async function queryState<T>(client: Client, run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, run) };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: no answer (is a worker running on the task queue?)` };
  }
}

// The workflow's state without what must not be printed: the session URL opens the customer's
// identity-verification session; the failure type says why a verification ended in error.
function printableState(state: VerificationState) {
  return { status: state.status, attempt: state.attempt, reason: state.reason, nextAction: state.nextAction, sessionUrl: state.sessionUrl ? '(set)' : null, failure: state.failure };
}

async function show(db: Db, client: Client, options: Options): Promise<number> {
  const recordId = options.positional[0];
  if (!recordId || !/^[0-9a-f-]{36}$/i.test(recordId)) throw new UsageError('show needs a record id (uuid)');
  const record = await db.kycRecord.findUnique({
    where: { id: recordId },
    select: {
      id: true, userId: true, status: true, statusReason: true, nextAction: true, attempt: true, country: true, documentType: true, riskScore: true,
      vendorStatus: true, vendorReasonCode: true, workflowId: true, workflowRunId: true, veriffSessionId: true, createdAt: true, updatedAt: true, verifiedAt: true,
    },
  });
  if (!record) {
    console.error(`no record ${recordId}`);
    return 2;
  }
  const [events, tasks] = await Promise.all([
    db.kycEvent.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' }, select: { createdAt: true, eventType: true, fromStatus: true, toStatus: true, actorType: true, reason: true } }),
    db.reviewTask.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' }, select: { id: true, workflowId: true, level: true, status: true, assigneeId: true, dueAt: true, decision: true } }),
  ]);

  const handle = client.workflow.getHandle(record.workflowId, record.workflowRunId);
  let description: { status: string; type: string; startTime: string; closeTime: string | null; taskQueue: string; searchAttributes: Record<string, unknown> } | null = null;
  const history: { at: number; what: string }[] = [];
  try {
    const d = await handle.describe();
    description = { status: d.status.name, type: d.type, startTime: d.startTime.toISOString(), closeTime: d.closeTime?.toISOString() ?? null, taskQueue: d.taskQueue, searchAttributes: Object.fromEntries(d.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])) };
    const activityNames = new Map<string, string>();
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const what = describeHistoryEvent(event, activityNames);
      if (what) history.push({ at: tsToMs(event.eventTime), what });
    }
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  // A running workflow answers its state query; a completed one's result is its final state.
  const state =
    description?.status === 'RUNNING' ? await queryState(client, () => handle.query(stateQuery))
    : description?.status === 'COMPLETED' ? { ok: true as const, value: (await handle.result()) as VerificationState }
    : null;
  const reviews = [];
  for (const task of tasks.filter((t) => t.status === 'open')) {
    const review = await queryState(client, () => client.workflow.getHandle(task.workflowId).query(reviewStateQuery));
    reviews.push({ taskId: task.id, workflowId: task.workflowId, state: review.ok ? { stage: review.value.stage, level: review.value.level, assigneeId: review.value.assigneeId, dueAt: review.value.dueAt, escalated: review.value.escalated, opsAlerted: review.value.opsAlerted } : review.error });
  }

  if (options.json) {
    console.log(JSON.stringify({ record, events, reviewTasks: tasks, workflow: description, workflowState: state ? (state.ok ? printableState(state.value) : state.error) : null, history, reviews }, null, 2));
    return 0;
  }

  console.log(`record ${record.id}  user ${record.userId}  ${record.country}  ${record.documentType}  risk ${record.riskScore ?? '-'}  vendor ${record.vendorStatus ?? '-'}${record.vendorReasonCode ? ` (${record.vendorReasonCode})` : ''}`);
  console.log(`created ${iso(record.createdAt)}  updated ${iso(record.updatedAt)}  verified ${iso(record.verifiedAt)}  vendor session ${record.veriffSessionId ?? '-'}`);
  console.log(`workflow ${record.workflowId}  run ${record.workflowRunId}${description ? `  task queue ${description.taskQueue}` : ''}\n`);

  const workflowState = state?.ok ? state.value : null;
  console.log(
    table(
      ['', 'database', 'workflow'],
      [
        ['status', record.status, workflowState?.status ?? (description ? `(${description.status.toLowerCase()})` : '(not found)')],
        ['attempt', record.attempt, workflowState?.attempt],
        ['reason', record.statusReason, workflowState?.reason],
        ['execution', null, description ? `${description.status} since ${description.startTime}${description.closeTime ? `, closed ${description.closeTime}` : ''}` : 'NOT_FOUND (never started, or past retention)'],
        ['KycStatus', null, description?.searchAttributes.KycStatus as string | undefined],
      ],
    ),
  );
  if (state && !state.ok) console.log(`(state query: ${state.error})`);

  console.log('\ntimeline: the audit trail (database) beside the workflow history (Temporal)');
  const rows: { at: number; db: string; wf: string }[] = [
    ...events.map((e) => ({ at: e.createdAt.getTime(), db: `${e.eventType}${e.toStatus ? ` -> ${e.toStatus}` : ''} (${e.actorType})`, wf: '' })),
    ...history.map((h) => ({ at: h.at, db: '', wf: h.what })),
  ].sort((a, b) => a.at - b.at);
  console.log(table(['time', 'database', 'workflow'], rows.map((r) => [new Date(r.at).toISOString(), r.db, r.wf])));

  if (tasks.length) {
    console.log('\nreview tasks:');
    console.log(table(['task', 'level', 'status', 'assignee', 'due', 'decision'], tasks.map((t) => [t.id, t.level, t.status, t.assigneeId, iso(t.dueAt), t.decision])));
    for (const review of reviews) console.log(`  ${review.taskId} workflow ${review.workflowId}: ${typeof review.state === 'string' ? review.state : JSON.stringify(review.state)}`);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// reconcile

interface Mismatch {
  recordId: string;
  databaseStatus: KycStatus;
  workflowId: string;
  workflowStatus: string;
  workflowKycStatus: string | null;
  problem: string;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    }),
  );
  return results;
}

type RecordRow = { id: string; status: KycStatus; workflowId: string; workflowRunId: string };

async function compare(db: Db, client: Client, record: RecordRow): Promise<Mismatch | null> {
  const status = await workflowStatus(client, record.workflowId, record.workflowRunId);
  const mismatch = (problem: string, workflowKycStatus: string | null = null): Mismatch => ({ recordId: record.id, databaseStatus: record.status, workflowId: record.workflowId, workflowStatus: status, workflowKycStatus, problem });
  const handle = client.workflow.getHandle(record.workflowId, record.workflowRunId);
  if (!isTerminal(record.status)) {
    if (status !== 'RUNNING') return mismatch('the record is active but its workflow is not running (the daily cleanup expires it once its session is past the timeout)');
    const state = await queryState(client, () => handle.query(stateQuery));
    if (!state.ok) return mismatch(`the workflow did not answer its state query: ${state.error}`);
    if (state.value.status === record.status) return null;
    // The database moves a moment before the workflow's own state (the transition activity runs
    // first): look again before calling it a disagreement.
    await new Promise((r) => setTimeout(r, 1_000));
    const [again, fresh] = await Promise.all([queryState(client, () => handle.query(stateQuery)), db.kycRecord.findUnique({ where: { id: record.id }, select: { status: true } })]);
    const workflowKycStatus = again.ok ? again.value.status : state.value.status;
    if (fresh && workflowKycStatus === fresh.status) return null;
    return { ...mismatch('the database and the workflow state disagree', workflowKycStatus), databaseStatus: fresh?.status ?? record.status };
  }
  if (status === 'RUNNING') return mismatch('the record is final but its workflow is still running');
  if (status === 'COMPLETED') {
    const result = (await handle.result()) as VerificationState;
    if (result.status !== record.status) return mismatch("the workflow's result and the database disagree", result.status);
  }
  return null;
}

async function reconcile(db: Db, client: Client, options: Options): Promise<number> {
  const days = options.days ?? 1;
  const since = new Date(Date.now() - days * 86_400_000);
  const records = await db.kycRecord.findMany({
    where: { OR: [{ status: { in: ['pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required'] } }, { updatedAt: { gte: since } }] },
    select: { id: true, status: true, workflowId: true, workflowRunId: true },
    orderBy: { createdAt: 'asc' },
  });
  const mismatches = (await mapLimit(records, 8, (r) => compare(db, client, r))).filter((m): m is Mismatch => m !== null);
  if (options.json) console.log(JSON.stringify({ checked: records.length, mismatches }, null, 2));
  else {
    console.log(`checked ${records.length} record(s) (all active ones, and final ones changed in the last ${days} day(s)): ${mismatches.length} disagreement(s)`);
    if (mismatches.length) console.log(table(['record', 'database', 'workflow', 'workflow state', 'problem'], mismatches.map((m) => [m.recordId, m.databaseStatus, m.workflowStatus, m.workflowKycStatus, m.problem])));
  }
  return mismatches.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.command === 'help' || options.command === '--help') {
    console.log(USAGE);
    return 0;
  }
  if (!['stuck', 'pending', 'show', 'reconcile'].includes(options.command)) throw new UsageError(`unknown command ${options.command}`);
  const config = loadConfig(process.env);
  const db = createDb(databaseUrl(config), 4);
  const needsTemporal = options.command === 'show' || options.command === 'reconcile';
  const client = needsTemporal ? await connectTemporalClient(config) : null;
  try {
    switch (options.command) {
      case 'stuck':
        return await stuck(db, config, options);
      case 'pending':
        return await pending(db, config, options);
      case 'show':
        return await show(db, client!, options);
      default:
        return await reconcile(db, client!, options);
    }
  } finally {
    await db.$disconnect();
    await client?.connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(`ops: ${err.name}: ${err.message}`);
    process.exit(1);
  },
);
