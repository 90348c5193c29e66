import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId, type WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure, SearchAttributeType, type Workflow } from '@temporalio/common';
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
  // Errors only, the core's too (it warns that this server lacks capabilities of a real one).
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
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
async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
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

/** Who the stubs assign: a new task to the standard reviewer (unassigned when it excludes them), an escalated one to the senior. */
export const STANDARD_REVIEWER = 'reviewer-standard';
export const SENIOR_REVIEWER = 'reviewer-senior';

// Shown and passed on by the workflow (the ops alert); its timers run on the SLA seconds.
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
  /** Starts a workflow for this test on the worker's task queue. */
  start<W extends Workflow>(workflowType: string, options: Omit<WorkflowStartOptions<W>, 'taskQueue'>): Promise<WorkflowHandleWithFirstExecutionRunId<W>>;
  /** Every activity call of this test's workflows so far, in order. */
  calls: Call[];
  /** The inputs of one activity's calls, in order. */
  callsOf(activity: ActivityName): Record<string, unknown>[];
}

interface TestScope {
  workflowIds: string[];
  calls: Call[];
  /** The test's stubs by activity; each takes its own activity's input, which the router passes on as the workflow sent it. */
  implementations: Record<string, (input: never) => unknown>;
}

export interface WorkflowTests {
  readonly env: TestWorkflowEnvironment;
  /**
   * Runs one test's `body` with the stub activities above, `stubs` in place of some, for the
   * workflows it starts (and their children). Workflows it leaves running are terminated
   * afterwards, so that none of its timers fire in another test's skipped time.
   */
  run(stubs: Stubs, body: (run: WorkerRun) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A test file's time-skipping server and one worker for all its tests (creating a worker costs
 * half a second; a test takes less). Each activity call goes to the stubs of the test that started
 * the workflow calling it, found by the workflow id (a child's id starts with its parent's).
 */
async function startWorkflowTests(): Promise<WorkflowTests> {
  const env = await startTimeSkipping();
  const taskQueue = `workflows-${randomUUID()}`;
  const scopes = new Set<TestScope>();
  const scopeOf = (workflowId: string) => [...scopes].find((scope) => scope.workflowIds.some((id) => workflowId === id || workflowId.startsWith(`${id}-`)));

  const activities = Object.fromEntries(
    Object.keys(DEFAULT_STUBS).map((name) => [
      name,
      async (input: Record<string, unknown>) => {
        const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
        const scope = scopeOf(workflowId);
        if (!scope) throw ApplicationFailure.nonRetryable(`no test owns workflow ${workflowId}`, 'NoTest');
        scope.calls.push({ activity: name as ActivityName, input });
        return scope.implementations[name]!(input as never);
      },
    ]),
  );
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, workflowBundle: { code: await workflowBundle() }, activities });
  let failed: unknown = null;
  const running = worker.run().catch((err: unknown) => {
    failed = err;
  });

  return {
    env,
    async run(stubs, body) {
      if (failed) throw failed;
      const scope: TestScope = { workflowIds: [], calls: [], implementations: { ...DEFAULT_STUBS, ...stubs } };
      scopes.add(scope);
      const handles: WorkflowHandle[] = [];
      try {
        await body({
          calls: scope.calls,
          callsOf: (activity) => scope.calls.filter((c) => c.activity === activity).map((c) => c.input),
          start: async (workflowType, options) => {
            scope.workflowIds.push(options.workflowId);
            const handle = await env.client.workflow.start(workflowType, { ...options, taskQueue } as WorkflowStartOptions);
            handles.push(handle);
            return handle as never;
          },
        });
      } finally {
        // Terminating a verification terminates its review child too (the default parent close policy).
        await Promise.all(handles.map((h) => h.terminate('the test is over').catch(() => undefined)));
        scopes.delete(scope);
      }
    },
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** This test file's workflow tests: its server and worker start before its tests and stop after them. */
export function workflowTestsOfThisFile(): Pick<WorkflowTests, 'env' | 'run'> {
  let tests: WorkflowTests | undefined;
  const started = () => {
    if (!tests) throw new Error('the workflow tests have not started: use them inside a test');
    return tests;
  };
  before(async () => {
    tests = await startWorkflowTests();
  });
  after(async () => {
    await tests?.stop();
  });
  return {
    get env() {
      return started().env;
    },
    run: (stubs, body) => started().run(stubs, body),
  };
}

/**
 * Asks a workflow's query until `predicate` holds (real time, not skipped: the workflow reaches the
 * state within its own tasks). Throws with the last answer when it does not within the limit.
 */
export async function untilState<T>(ask: () => Promise<T>, predicate: (state: T) => boolean, what: string, limitMs = 15_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const state = await ask();
    if (predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`the workflow did not reach ${what}; its state: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The failure type an update was refused with (its validator's or its handler's ApplicationFailure). */
export async function refusalOf(update: Promise<unknown>): Promise<string | undefined> {
  try {
    await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause.type ?? undefined;
    throw err;
  }
  throw new Error('the update was accepted');
}
