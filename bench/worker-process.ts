import { spawn } from 'node:child_process';
import path from 'node:path';
import { type Config, loadConfig } from '../domain/config';
import { freePorts } from '../infra/ports';
import { type TestSystem } from '../test/support/system';
import { WORKER_NODE_ARGS, workerProcessEnv } from '../worker/launch';

// A worker process of its own for a benchmark section, launched as production launches one
// (worker/launch.ts: `npm run worker`), over the test system's database, Temporal and Veriff, on
// the task queue the section names.

const ROOT = path.resolve(__dirname, '..');

export interface WorkerProcess {
  pid: number;
  /** What the process runs with: its own configuration, read from its environment the way it reads it. */
  config: Config;
  env: NodeJS.ProcessEnv;
  exited(): boolean;
  stop(): Promise<void>;
}

export async function startWorkerProcess(system: TestSystem, taskQueue: string): Promise<WorkerProcess> {
  const bundle = process.env.WORKFLOW_BUNDLE_PATH;
  if (!bundle) throw new Error('a worker process needs the bundled workflows (WORKFLOW_BUNDLE_PATH)');
  const [metricsPort] = await freePorts(1);
  const env = workerProcessEnv({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: system.config.DATABASE_URL,
    TEMPORAL_ADDRESS: system.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    VERIFF_BASE_URL: system.config.VERIFF_BASE_URL,
    KYC_WORKFLOW_BUNDLE: bundle,
    WORKER_METRICS_PORT: String(metricsPort),
    METRICS_PORT: '0',
  });
  const worker = spawn(process.execPath, [...WORKER_NODE_ARGS], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    pid: worker.pid!,
    config: loadConfig(env),
    env,
    exited: () => worker.exitCode !== null || worker.signalCode !== null,
    async stop() {
      worker.kill('SIGTERM');
      await exited;
    },
  };
}
