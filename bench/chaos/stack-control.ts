import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadStackSettings, stackLayout, type StackLayout } from '../../scripts/stack/layout';
import { dropDatabases, postgresServer } from '../../scripts/stack/postgres';
import { isRunning } from '../../scripts/stack/processes';
import { freeStackPortBase } from '../../scripts/stack/ports';
import { readState, type StackProcess } from '../../scripts/stack/state';
import { stackTemporalConnection } from '../../scripts/stack/tls';
import { type TemporalConnectionOptions } from '../../infra/temporal';

// `npm run stack` as the chaos run (and the stack benchmark) drive it: started as the child process
// an operator would run, on a free block of ports with databases of its own, its processes found
// through the state file the supervisor keeps (pids change as it restarts them).

const ROOT = path.resolve(__dirname, '..', '..');
const STACK = ['--import', 'tsx', 'scripts/stack/main.ts'];
const UP_TIMEOUT_MS = 300_000;

export interface RunningStack {
  layout: StackLayout;
  /** The public URL: the load balancer. */
  url: string;
  simulatorUrl: string;
  /** The frontend, with the client certificate the stack made for its own processes. */
  temporal: TemporalConnectionOptions;
  brokerUrl: string;
  /** The KYC application database. */
  databaseUrl: string;
  process(name: string): StackProcess;
  /** SIGKILL: a crash, no cleanup. Returns the pid it killed. */
  kill(name: string): number;
  /** Resolves once the supervisor runs a new process under the name (a pid other than `oldPid`). */
  restarted(name: string, oldPid: number, timeoutMs?: number): Promise<StackProcess>;
  /** The supervisor's output so far. */
  output(): string;
  stop(): Promise<void>;
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the stack on `serverUrl` (a PostgreSQL role that may create databases) with `env` on top
 * of this process's environment; resolves once it is up.
 */
export async function startStack(options: { serverUrl: string; dbPrefix: string; env: NodeJS.ProcessEnv; portBase?: number; keepLogs?: boolean }): Promise<RunningStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kyc-stack-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KYC_STACK_DIR: dir,
    KYC_STACK_PORT_BASE: String(options.portBase ?? (await freeStackPortBase())),
    KYC_STACK_DB_PREFIX: options.dbPrefix,
    KYC_STACK_DATABASE_URL: options.serverUrl,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const layout = stackLayout(loadStackSettings(env));
  const chunks: string[] = [];
  const supervisor: ChildProcess = spawn(process.execPath, STACK, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  supervisor.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  supervisor.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const output = () => chunks.join('');

  const cleanup = async () => {
    if (supervisor.exitCode === null && supervisor.signalCode === null) {
      supervisor.kill('SIGTERM');
      await exited;
    }
    await dropDatabases(postgresServer(options.serverUrl), Object.values(layout.databases)).catch(() => undefined);
    // Kept on request: every process's log is in its logs folder, to find what a figure came from.
    if (options.keepLogs) console.log(`# the stack's folder (logs/ has every process's log) is kept: ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + UP_TIMEOUT_MS;
  while (!output().includes('KYC stack is up')) {
    if (supervisor.exitCode !== null || Date.now() > deadline) {
      await cleanup();
      throw new Error(`the stack did not come up:\n${output().slice(-4000)}`);
    }
    await sleep(250);
  }

  const host = layout.host;
  const processOf = (name: string): StackProcess => {
    const found = readState(layout)?.processes.find((p) => p.name === name);
    if (!found) throw new Error(`the stack has no process named ${name}`);
    return found;
  };
  return {
    layout,
    url: `http://${host}:${layout.ports.loadBalancer}`,
    simulatorUrl: `http://${host}:${layout.ports.simulator}`,
    temporal: stackTemporalConnection(layout),
    brokerUrl: `amqp://guest:guest@${host}:${layout.ports.broker}`,
    databaseUrl: postgresServer(options.serverUrl).urlOf(layout.databases.app),
    process: processOf,
    kill(name) {
      const target = processOf(name);
      // The whole group: a process started through a wrapper (RabbitMQ's script) dies with its children.
      try {
        process.kill(-target.pid, 'SIGKILL');
      } catch {
        process.kill(target.pid, 'SIGKILL');
      }
      return target.pid;
    },
    async restarted(name, oldPid, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const current = readState(layout)?.processes.find((p) => p.name === name);
        if (current && current.pid !== oldPid && isRunning(current)) return current;
        if (Date.now() > until) throw new Error(`${name} was not started again within ${timeoutMs / 1000} s`);
        await sleep(200);
      }
    },
    output,
    stop: cleanup,
  };
}
