import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId, type WorkflowStartOptions } from '@temporalio/client';
import { SearchAttributeType, type Workflow } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { type KycActivities } from '../../activities';
import { KYC_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

// The workflow tier (test/workflows/): the real workflow code, from the run's bundle, on Temporal's
// time-skipping test server (the Java test server, scripts/ensure-temporal-test-server.sh), with
// stub activities. A day of timers passes in milliseconds once a test waits for a result or
// sleeps through `env.sleep`, so every timer of a workflow is tested at its real length.

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

const INDEXED_VALUE_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** A time-skipping test server of this test file's own (time is the server's: files must not share one), with our search attributes. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (!path) throw new Error('TEMPORAL_TEST_SERVER_PATH is not set: run the tests with `npm test`');
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  // The workflows upsert these; the test server, like a real one, refuses attributes it does not know.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(KYC_SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]])),
  });
  return env;
}

let bundle: Promise<string> | undefined;
function workflowBundle(): Promise<string> {
  const file = process.env.WORKFLOW_BUNDLE_PATH;
  if (!file) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run the tests with `npm test`');
  bundle ??= readFile(file, 'utf8');
  return bundle;
}

type Activities = Pick<KycActivities, keyof typeof DEFAULT_STUBS>;
export type ActivityName = keyof Activities;
export type Stubs = { [K in ActivityName]?: (input: Parameters<Activities[K]>[0]) => ReturnType<Activities[K]> | Awaited<ReturnType<Activities[K]>> };

/** One activity call as the stub saw it. */
export interface Call {
  activity: ActivityName;
  input: Record<string, unknown>;
}

/** Which reviewer the stub store assigns (the review workflow only passes the assignee on). */
export const STANDARD_REVIEWER = 'reviewer-standard';
export const SENIOR_REVIEWER = 'reviewer-senior';

const dueIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

// What every step of the verification and review workflows answers when a test does not say
// otherwise: the clean path (the record is written, a session opens, no risk, no hits).
const DEFAULT_STUBS = {
  createKycRecord: async () => undefined,
  recordTransition: async () => ({ applied: true }),
  rollbackApproval: async () => ({ applied: true }),
  amendApplicationAddress: async () => 'amended' as const,
  withdrawVerification: async () => ({ withdrawn: true }),
  openVendorSession: async (input: { recordId: string; attempt: number }) => ({ sessionId: `session-${input.attempt}`, sessionUrl: `https://vendor.test/sessions/${input.attempt}` }),
  fetchVendorDecision: async () => null,
  assessRisk: async () => ({ score: 5, reasons: [], needsReview: false, needsFourEyes: false }),
  upgradeWallet: async () => ({ upgraded: true, walletType: 'verified' as const }),
  deliverNotifications: async () => 0,
  caseScreening: async () => ({ hits: [], gaps: [] }),
  openReviewTask: async (input: { taskId: string; excludeUserIds: string[]; dueInSeconds: number }) => ({ taskId: input.taskId, assigneeId: input.excludeUserIds.includes(STANDARD_REVIEWER) ? null : STANDARD_REVIEWER, dueAt: dueIn(input.dueInSeconds) }),
  escalateReviewTask: async (input: { taskId: string; dueInSeconds: number }) => ({ taskId: input.taskId, assigneeId: SENIOR_REVIEWER, dueAt: dueIn(input.dueInSeconds) }),
  claimReviewTask: async () => undefined,
  recordReviewDecision: async () => undefined,
  alertOpsOfReviewBreach: async () => undefined,
  closeReviewTasks: async () => undefined,
  resolveCaseHit: async (input: { resolution: 'false_positive' | 'true_match' }) => ({ outcome: 'resolved' as const, status: input.resolution, openLeft: 0 }),
  grantClearances: async () => ({ granted: 0, withheld: 0 }),
} satisfies Partial<KycActivities>;

export interface WorkerRun {
  taskQueue: string;
  /** Starts a workflow on this run's task queue. */
  start<W extends Workflow>(workflowType: string, options: Omit<WorkflowStartOptions<W>, 'taskQueue'>): Promise<WorkflowHandleWithFirstExecutionRunId<W>>;
  /** Every activity call so far, in order. */
  calls: Call[];
  /** The inputs of one activity's calls, in order. */
  callsOf(activity: ActivityName): Record<string, unknown>[];
}

/**
 * Runs `body` with a worker of its own (its own task queue) whose activities are the stubs above,
 * with `stubs` in place of some. Workflows the body leaves running are terminated afterwards, so
 * no test's timers fire in another test's skipped time.
 */
export async function withWorker(env: TestWorkflowEnvironment, stubs: Stubs, body: (run: WorkerRun) => Promise<void>): Promise<void> {
  const taskQueue = `workflows-${randomUUID()}`;
  const calls: Call[] = [];
  // Each stub takes its own activity's input: the recorder passes on whatever the workflow sent.
  const implementations: Record<string, (input: never) => unknown> = { ...DEFAULT_STUBS, ...stubs };
  const activities = Object.fromEntries(
    Object.entries(implementations).map(([name, implementation]) => [
      name,
      async (input: Record<string, unknown>) => {
        calls.push({ activity: name as ActivityName, input });
        return implementation(input as never);
      },
    ]),
  );
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, workflowBundle: { code: await workflowBundle() }, activities });
  const handles: WorkflowHandle[] = [];
  const run: WorkerRun = {
    taskQueue,
    calls,
    callsOf: (activity) => calls.filter((c) => c.activity === activity).map((c) => c.input),
    start: async (workflowType, options) => {
      const handle = await env.client.workflow.start(workflowType, { ...options, taskQueue } as WorkflowStartOptions);
      handles.push(handle);
      return handle as never;
    },
  };
  await worker.runUntil(async () => {
    try {
      await body(run);
    } finally {
      // Terminating a verification terminates its review child too (the default parent close policy).
      await Promise.all(handles.map((h) => h.terminate('the test is over').catch(() => undefined)));
    }
  });
}
