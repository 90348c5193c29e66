import { readFile } from 'node:fs/promises';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../domain/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { installWorkerRuntime } from '../infra/worker-runtime';
import { createKycWorker } from './create-worker';
import { WORKFLOWS_PATH } from './workflow-bundle';

// Standalone worker process (production: N of them on the same task queue). Needs DATABASE_URL.
async function main() {
  const config = loadConfig(process.env);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for a standalone worker (npm start runs the embedded setup)');
  const logger = createLogger(config.LOG_LEVEL, { service: 'kyc-worker' });
  const metricsBindAddress = `${config.METRICS_HOST}:${config.WORKER_METRICS_PORT}`;
  installWorkerRuntime({ logger, level: config.LOG_LEVEL, metricsBindAddress });
  const db = createDb(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workflows = config.KYC_WORKFLOW_BUNDLE ? { workflowBundle: { code: await readFile(config.KYC_WORKFLOW_BUNDLE, 'utf8') } } : { workflowsPath: WORKFLOWS_PATH };
  const worker = await createKycWorker({ config, db, connection, workflows });
  logger.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, metrics: `http://${metricsBindAddress}/metrics` });
  await worker.run();
  await Promise.all([db.$disconnect(), connection.close()]);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
