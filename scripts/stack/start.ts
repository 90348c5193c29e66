import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../../domain/config';
import { createDb } from '../../infra/db';
import { DEMO_ACCOUNTS, ensureDemoAccounts } from '../../store/demo-accounts';
import { KYC_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { listeningPorts, REPOSITORY, type StackLayout, type StackSettings } from './layout';
import { backendServers, checkLoadBalancerConfig, loadBalancerArgs, writeLoadBalancerConfig } from './load-balancer';
import { ensureDatabase, postgresServer } from './postgres';
import { currentProcess, logTail, spawnLogged, stopProcess, type ManagedProcess, type SpawnSpec } from './processes';
import { answers200, brokerServing, Interrupted, RUNNING_ONLY, takenPorts, TEMPORAL_CHECK, temporalServing, waitUntilReady, workerPolling } from './readiness';
import { acquireLock, readState, releaseLock, writeState, type StackProcess, type StackState } from './state';
import { registerNamespace, setupTemporalSchemas, temporalServerArgs, writeTemporalServerConfig } from './temporal-server';
import { temporalUiArgs, temporalUiOrigins, writeTemporalUiConfig } from './temporal-ui';
import { clientTlsEnv, ensureStackCertificates, stackCertificates, stackTemporalConnection, TLS_SERVER_NAME } from './tls';
import { WORKER_NODE_ARGS, workerProcessEnv } from '../../worker/launch';
import { vendorMediaTaskQueue } from '../../workflows/vendor-media.contract';

// `npm run stack`: the production topology on one machine, in the foreground. Starts each
// component once what it needs is ready, prints where everything is, then supervises until
// Ctrl-C, SIGTERM or `npm run stack -- stop`, and stops everything in reverse order.

const execFileAsync = promisify(execFile);

// How long each kind of process gets to finish on SIGTERM before it is killed: a worker finishes
// the activities it runs, an API the requests in flight.
const GRACE_MS: Record<string, number> = { worker: 30_000, api: 15_000, rabbitmq: 20_000 };
const DEFAULT_GRACE_MS = 10_000;

export function graceOf(name: string): number {
  return GRACE_MS[name.replace(/-\d+$/, '')] ?? DEFAULT_GRACE_MS;
}

// The ensure scripts find or build each binary (first build: minutes) and print its path.
async function ensure(script: string): Promise<string> {
  const child = execFileAsync('bash', [path.join(REPOSITORY, 'scripts', script)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  child.child.stderr?.pipe(process.stderr);
  return (await child).stdout.trim();
}

interface Started {
  proc: ManagedProcess;
  spec: SpawnSpec;
  address: string;
  check: string;
  restarts: number;
}

// Like `restart: unless-stopped` in docker-compose.yml: once the stack is up, a process that exits
// (a crash, a kill, an out-of-memory end) is started again, after a pause that grows while it keeps
// dying young, so a broken configuration does not spin.
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
// A process that ran this long before exiting gets the short pause again.
const HEALTHY_RUN_MS = 30_000;

// What the stack runs: long-lived processes in start order (stopped in reverse) and the one-shot
// step under way. Nothing new starts once stopping began, so a stop never misses a process.
class StackProcesses {
  readonly started: Started[] = [];
  private readonly steps = new Set<ManagedProcess>();

  constructor(
    private readonly signal: AbortSignal,
    private readonly changed: () => void,
  ) {}

  launch(spec: SpawnSpec, address: string, check: string): ManagedProcess {
    if (this.signal.aborted) throw new Interrupted();
    const proc = spawnLogged(spec);
    this.started.push({ proc, spec, address, check, restarts: 0 });
    this.changed();
    return proc;
  }

  /** From now on, every process that exits is started again (until the stack stops). */
  supervise(): void {
    for (const entry of this.started) this.watch(entry, RESTART_DELAY_MS);
  }

  private watch(entry: Started, delayMs: number): void {
    const { proc } = entry;
    const began = Date.now();
    void proc.exited.then(async (how) => {
      if (this.signal.aborted) return;
      const pause = Date.now() - began >= HEALTHY_RUN_MS ? RESTART_DELAY_MS : delayMs;
      console.log(`[stack] ${proc.name} exited (${how}); starting it again in ${pause / 1000} s (its log: ${proc.log})`);
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (this.signal.aborted) return;
      entry.proc = spawnLogged(entry.spec);
      entry.restarts += 1;
      this.changed();
      this.watch(entry, Math.min(MAX_RESTART_DELAY_MS, pause * 2));
    });
  }

  /** Runs a one-shot command to completion; fails with its last log lines unless it exits 0. */
  async runStep(spec: SpawnSpec): Promise<void> {
    if (this.signal.aborted) throw new Interrupted();
    const proc = spawnLogged(spec);
    this.steps.add(proc);
    const how = await proc.exited;
    this.steps.delete(proc);
    if (this.signal.aborted) throw new Interrupted();
    if (how !== 'code 0') throw new Error(`${spec.name} failed (${how}); last lines of ${proc.log}:\n${logTail(proc.log)}`);
  }

  async stopAll(): Promise<void> {
    for (const proc of [...this.steps, ...[...this.started].reverse().map((s) => s.proc)]) {
      const outcome = await stopProcess(proc, graceOf(proc.name));
      // Reaped by this process before it exits: no zombie left for init to collect.
      await proc.exited;
      if (outcome !== 'not running') console.log(`[stack] ${proc.name} ${outcome}`);
    }
  }
}

export async function startStack(settings: StackSettings, layout: StackLayout): Promise<number> {
  mkdirSync(layout.logDir, { recursive: true });
  const me = currentProcess('supervisor');
  const holder = acquireLock(layout, me);
  if (holder) {
    console.error(`A stack is already running from ${layout.dir} (supervisor pid ${holder.pid}). See it with \`npm run stack -- status\`; stop it with \`npm run stack -- stop\`.`);
    return 1;
  }

  const interrupt = new AbortController();
  let stopping: Promise<void> | null = null;
  const state: StackState = { supervisor: me, startedAt: new Date().toISOString(), phase: 'starting', processes: [], summary: [] };
  const save = () =>
    writeState(layout, { ...state, processes: processes.started.map(({ proc, address, check, restarts }): StackProcess => ({ name: proc.name, pid: proc.pid, startTicks: proc.startTicks, log: proc.log, address, check, restarts })) });
  const processes = new StackProcesses(interrupt.signal, save);

  const stopAll = () => {
    stopping ??= (async () => {
      interrupt.abort();
      state.phase = 'stopping';
      save();
      await processes.stopAll();
      rmSync(layout.stateFile, { force: true });
      releaseLock(layout, me);
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) console.log(`[stack] ${signal}: stopping everything...`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const began = Date.now();
    await stopLeftovers(layout);
    const summary = await bringUp(settings, layout, processes, interrupt.signal);
    summary[0] += ` (started in ${((Date.now() - began) / 1000).toFixed(1)} s)`;
    state.phase = 'up';
    state.summary = summary;
    save();
    console.log(['', ...summary, ''].join('\n'));
    processes.supervise();
    // The children's handles keep this process alive until a signal stops everything.
    return new Promise<number>(() => undefined);
  } catch (error) {
    if (!(error instanceof Interrupted)) console.error(`[stack] start failed: ${(error as Error).message}`);
    await stopAll();
    return error instanceof Interrupted ? 0 : 1;
  }
}

// A supervisor killed without its cleanup leaves its processes running, holding the ports.
async function stopLeftovers(layout: StackLayout): Promise<void> {
  const previous = readState(layout);
  if (!previous) return;
  for (const leftover of [...previous.processes].reverse()) {
    const outcome = await stopProcess(leftover, graceOf(leftover.name));
    if (outcome !== 'not running') console.log(`[stack] ${leftover.name} left by an earlier stack (pid ${leftover.pid}) ${outcome}`);
  }
}

async function bringUp(settings: StackSettings, layout: StackLayout, processes: StackProcesses, signal: AbortSignal): Promise<string[]> {
  const { host, ports } = layout;
  const taken = await takenPorts(host, listeningPorts(layout));
  if (taken.length) {
    throw new Error(`ports in use: ${taken.map((t) => `${t.port} (${t.owner})`).join(', ')}. Stop what holds them or move the stack with KYC_STACK_PORT_BASE.`);
  }

  console.log('[stack] binaries: Temporal Server, Temporal CLI, Temporal UI, HAProxy, OpenSSL');
  const temporalServerDir = await ensure('ensure-temporal-server.sh');
  const temporalCli = await ensure('ensure-temporal.sh');
  const temporalUi = await ensure('ensure-temporal-ui.sh');
  const haproxy = await ensure('ensure-haproxy.sh');
  await ensure('ensure-openssl.sh');

  const postgres = postgresServer(settings.KYC_STACK_DATABASE_URL);
  const lbUrl = `http://${host}:${ports.loadBalancer}`;
  const simulatorUrl = `http://${host}:${ports.simulator}`;
  const uiUrl = `http://${host}:${ports.temporalUi}`;
  const temporalAddress = `${host}:${ports.temporalFrontend}`;
  const brokerUrl = `amqp://guest:guest@${host}:${ports.broker}`;
  const certs = stackCertificates(layout);
  const relative = (file: string) => (file.startsWith(`${REPOSITORY}${path.sep}`) ? path.relative(REPOSITORY, file) : file);
  // The service's own configuration comes from the environment; the stack sets what its topology
  // decides: where each dependency is, the public URL (the load balancer) and the proxy trust.
  const appEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    DATABASE_URL: postgres.urlOf(layout.databases.app),
    KYC_KEY_STORE_URL: postgres.urlOf(layout.databases.keys),
    TEMPORAL_ADDRESS: temporalAddress,
    // Every process of the service presents the same client certificate to the frontend.
    ...clientTlsEnv(certs.kyc),
    PUBLIC_BASE_URL: lbUrl,
    FRONTEND_URL: lbUrl,
    VERIFF_BASE_URL: simulatorUrl,
    TEMPORAL_UI_URL: uiUrl,
    TEMPORAL_UI_ORIGIN: temporalUiOrigins(layout).join(','),
    KYC_TRUST_PROXY: 'loopback',
    METRICS_HOST: host,
    KYC_EVENT_BROKER_URL: brokerUrl,
  };
  // Fails here, naming the variable, rather than in four processes at once.
  const config = loadConfig(appEnv);
  const spec = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = appEnv): SpawnSpec => ({ name, command, args, env, cwd: REPOSITORY, logDir: layout.logDir });
  // The entry points of `npm run api|worker|simulator|migrate|schedules`, run by node itself
  // (no npm or tsx wrapper process), so the pid the stack signals is the service's own.
  const node = (name: string, entry: string, env: NodeJS.ProcessEnv = appEnv) => spec(name, process.execPath, ['--import', 'tsx', entry], env);
  const launch = (s: SpawnSpec, address: string, check: string) => processes.launch(s, address, check);
  const runStep = (s: SpawnSpec) => processes.runStep(s);
  const ready = (proc: ManagedProcess, what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => waitUntilReady(proc, what, check, { timeoutMs, signal });

  console.log(`[stack] PostgreSQL ${postgres.host}:${postgres.port}: Temporal schemas, KYC database and migrations`);
  await setupTemporalSchemas(temporalServerDir, postgres, layout);
  await ensureDatabase(postgres, layout.databases.app);
  await ensureDatabase(postgres, layout.databases.keys);
  await runStep(node('migrate', 'scripts/migrate.ts'));
  if (config.KYC_DEMO_ACCOUNTS) {
    const db = createDb(postgres.urlOf(layout.databases.app), 1);
    await ensureDemoAccounts(db).finally(() => db.$disconnect());
  }

  // The message broker, before the relay that publishes to it: a RabbitMQ node of the stack's own
  // (its name, ports and folder), in the foreground so the stack supervises it like the others.
  console.log(`[stack] RabbitMQ at ${host}:${ports.broker}`);
  const brokerEnv = {
    ...process.env,
    KYC_RABBITMQ_NAME: layout.broker.node,
    KYC_RABBITMQ_PORT: String(ports.broker),
    KYC_RABBITMQ_DIST_PORT: String(ports.brokerDistribution),
    KYC_RABBITMQ_DIR: layout.broker.dir,
  };
  const broker = launch(spec('rabbitmq', 'bash', [path.join(REPOSITORY, 'scripts', 'ensure-rabbitmq.sh'), 'run'], brokerEnv), `${host}:${ports.broker}`, brokerUrl);

  console.log(`[stack] Temporal Server at ${temporalAddress} (mutual TLS; certificates in ${relative(layout.tlsDir)})`);
  for (const line of await ensureStackCertificates(layout)) console.log(`[stack] ${line.replace(/^temporal-certs: /, '')}`);
  const temporalConnection = stackTemporalConnection(layout);
  const serverConfig = writeTemporalServerConfig(layout, postgres);
  const server = launch(spec('temporal-server', path.join(temporalServerDir, 'temporal-server'), temporalServerArgs(serverConfig), process.env), temporalAddress, `${TEMPORAL_CHECK}${temporalAddress}`);
  // The workflow code, bundled once while the server starts: a worker (re)starts in seconds.
  const workflowBundle = path.join(layout.dir, 'workflow-bundle.js');
  await runStep(spec('bundle-workflows', process.execPath, ['--import', 'tsx', 'scripts/bundle-workflows.ts', workflowBundle]));
  await ready(server, 'Temporal frontend', () => temporalServing(temporalConnection), 120_000);
  const registered = await registerNamespace(temporalCli, temporalAddress, config.TEMPORAL_NAMESPACE, KYC_SEARCH_ATTRIBUTES, certs.cli);
  for (const line of registered) console.log(`[stack] created ${line}`);
  // Screening needs its required lists in force (SCREENING_REQUIRED_SOURCES): without them every
  // verification waits in review. A deploy loads the bundled copies where no version exists yet,
  // here while the workers and APIs start, before the load balancer lets anyone in.
  const screeningLists = runStep(spec('screening-lists', process.execPath, ['--import', 'tsx', 'scripts/screening.ts', 'bundled']));
  // Its failure is reported where it is awaited, below; a start failing earlier must not leave it unhandled.
  screeningLists.catch(() => undefined);

  console.log('[stack] Temporal UI, Veriff simulator, workers, APIs');
  const uiConfig = writeTemporalUiConfig(layout, { namespace: config.TEMPORAL_NAMESPACE, codecEndpoint: `${lbUrl}/codec` });
  const ui = launch(spec('temporal-ui', temporalUi, temporalUiArgs(uiConfig), process.env), uiUrl, `${uiUrl}/`);
  const simulatorEnv = {
    ...appEnv,
    VERIFF_SIMULATOR_PORT: String(ports.simulator),
    VERIFF_SIMULATOR_HOST: host,
    VERIFF_API_KEY: config.VERIFF_API_KEY,
    VERIFF_API_SECRET: config.VERIFF_API_SECRET,
    VERIFF_WEBHOOK_SECRET: config.VERIFF_WEBHOOK_SECRET,
    // Veriff calls the service through its public address: the load balancer.
    VERIFF_SIMULATOR_WEBHOOK_URL: `${lbUrl}/api/kyc/webhook/veriff/`,
    VERIFF_SIMULATOR_AUTO_DECIDE_MS: process.env.VERIFF_SIMULATOR_AUTO_DECIDE_MS ?? '3000',
  };
  const simulator = launch(node('simulator', 'simulator/server.ts', simulatorEnv), simulatorUrl, `${simulatorUrl}/health`);
  const workers = ports.workerMetrics.map((metricsPort, i) => {
    const metrics = `http://${host}:${metricsPort}/metrics`;
    return launch(spec(`worker-${i + 1}`, process.execPath, [...WORKER_NODE_ARGS], workerProcessEnv({ ...appEnv, WORKER_METRICS_PORT: String(metricsPort), KYC_WORKFLOW_BUNDLE: workflowBundle })), metrics, metrics);
  });
  const apis = ports.api.map((port, i) => {
    const url = `http://${host}:${port}`;
    return launch(node(`api-${i + 1}`, 'api/server.ts', { ...appEnv, PORT: String(port), METRICS_PORT: String(ports.apiMetrics[i]) }), url, `${url}/api/v1/ready`);
  });
  const supervisorConnection = await Connection.connect(temporalConnection);
  const taskQueues = [config.TEMPORAL_TASK_QUEUE, vendorMediaTaskQueue(config.TEMPORAL_TASK_QUEUE)];
  try {
    await Promise.all([
      screeningLists,
      ready(broker, 'AMQP connections', () => brokerServing(brokerUrl), 120_000),
      ready(ui, 'Temporal UI page', () => answers200(`${uiUrl}/`)),
      ready(simulator, 'simulator health', () => answers200(`${simulatorUrl}/health`)),
      ...workers.map((worker) =>
        ready(worker, `polling on ${taskQueues.join(' and ')}`, async () => (await Promise.all(taskQueues.map((queue) => workerPolling(supervisorConnection, config.TEMPORAL_NAMESPACE, queue, worker.pid)))).every(Boolean), 120_000),
      ),
      ...apis.map((api, i) => ready(api, 'readiness (database and Temporal)', () => answers200(`http://${host}:${ports.api[i]}/api/v1/ready`), 120_000)),
    ]);
  } finally {
    await supervisorConnection.close();
  }
  // The outbox relay, once the broker it publishes to and the workers that run its webhook
  // deliveries are up (one at a time holds the lock; one is enough here). No port: alive is ready.
  launch(node('relay', 'events/main.ts'), brokerUrl, RUNNING_ONLY);
  // What a deploy runs: the ops and screening schedules, created or updated to this configuration.
  await runStep(node('schedules', 'scripts/schedules.ts'));

  console.log(`[stack] load balancer at ${lbUrl}`);
  const lbConfig = writeLoadBalancerConfig(layout);
  await checkLoadBalancerConfig(haproxy, lbConfig);
  const statsUrl = `http://${host}:${ports.loadBalancerStats}/`;
  const lb = launch(spec('load-balancer', haproxy, loadBalancerArgs(lbConfig), process.env), lbUrl, `${lbUrl}/api/v1/ready`);
  await ready(lb, 'every API process in rotation', async () => {
    const servers = await backendServers(layout);
    return servers.length === apis.length && servers.every((s) => s.status === 'UP') && (await answers200(`${lbUrl}/api/v1/ready`));
  });

  return [
    'KYC stack is up: the production topology on one machine',
    `  API (load balancer):   ${lbUrl}  (docs ${lbUrl}/docs; HAProxy statistics ${statsUrl})`,
    ...apis.map((api, i) => `    ${api.name}:               http://${host}:${ports.api[i]}  (metrics http://${host}:${ports.apiMetrics[i]}/metrics)`),
    ...workers.map((worker, i) => `  ${worker.name}:              task queues ${config.TEMPORAL_TASK_QUEUE}, ${vendorMediaTaskQueue(config.TEMPORAL_TASK_QUEUE)}  (metrics http://${host}:${ports.workerMetrics[i]}/metrics)`),
    `  Temporal Server:       ${temporalAddress}  (namespace ${config.TEMPORAL_NAMESPACE}; HTTP API https://${host}:${ports.temporalFrontendHttp}; metrics http://${host}:${ports.temporalMetrics}/metrics)`,
    `    mutual TLS:          a client certificate is required; the CLI's: temporal --address ${temporalAddress} --tls-ca-path ${relative(certs.cli.ca)} --tls-cert-path ${relative(certs.cli.cert)} --tls-key-path ${relative(certs.cli.key)} --tls-server-name ${TLS_SERVER_NAME}`,
    `  Temporal UI:           ${uiUrl}  (payloads decoded by ${lbUrl}/codec)`,
    `  Veriff simulator:      ${simulatorUrl}  (control API under /control)`,
    `  PostgreSQL:            ${postgres.host}:${postgres.port}, databases ${layout.databases.app} (KYC), ${layout.databases.temporal}, ${layout.databases.visibility} (Temporal)`,
    `  Message broker:        ${brokerUrl}  (RabbitMQ node ${layout.broker.node}, exchange kyc.events; relay: outbox -> RabbitMQ and webhooks)`,
    `  Logs:                  ${relative(layout.logDir)}/<name>.log  (${processes.started.map(({ proc }) => proc.name).join(', ')}, migrate, bundle-workflows, screening-lists, schedules)`,
    ...(config.KYC_DEMO_ACCOUNTS ? [`  Demo accounts:         ${DEMO_ACCOUNTS.map((a) => `${a.username}/${a.password} (${a.role})`).join(', ')}`] : []),
    'Ctrl+C (or `npm run stack -- stop` from another terminal) stops everything; `npm run stack -- status` shows it.',
  ];
}
