import { readFile } from 'node:fs/promises';
import { NativeConnection } from '@temporalio/worker';
import { OcrPool } from '../document-check';
import { loadConfig } from '../domain/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { temporalConnectionOptions } from '../infra/temporal';
import { installWorkerRuntime } from '../infra/worker-runtime';
import { keyStoreDb } from '../store';
import { createKycWorker } from './create-worker';
import { WORKFLOWS_PATH } from './workflow-bundle';

// Standalone worker process (production: N of them on the same task queue). Needs DATABASE_URL.
async function main() {
  const config = loadConfig(process.env);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for a standalone worker (npm start runs the embedded setup)');
  const logger = createLogger(config.LOG_LEVEL, { service: 'kyc-worker' });
  const metricsBindAddress = `${config.METRICS_HOST}:${config.WORKER_METRICS_PORT}`;
  installWorkerRuntime({ logger, level: config.LOG_LEVEL, metricsBindAddress });
  const db = createDb(config.DATABASE_URL, undefined, logger);
  const keyStore = keyStoreDb(config, db, logger);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // One OCR pool per process: its workers start on the first document check.
  const ocr = new OcrPool({ size: config.KYC_DOCUMENT_OCR_WORKERS });
  const workflows = config.KYC_WORKFLOW_BUNDLE ? { workflowBundle: { code: await readFile(config.KYC_WORKFLOW_BUNDLE, 'utf8') } } : { workflowsPath: WORKFLOWS_PATH };
  const worker = await createKycWorker({ config, db, keyStore, connection, ocr, workflows });
  logger.info('worker running', { taskQueue: config.TEMPORAL_TASK_QUEUE, vendor: config.KYC_VENDOR, metrics: `http://${metricsBindAddress}/metrics` });
  await worker.run();
  await Promise.all([db.$disconnect(), keyStore.$disconnect(), connection.close(), ocr.terminate()]);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
