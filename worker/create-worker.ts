import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { HttpNotifier, LogNotifier, type Notifier } from '../activities/notifications';
import { createOpsActivities } from '../activities/ops';
import { type Config } from '../domain/config';
import { KeyRing, PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { kycDataConverter } from '../infra/temporal';
import { createStores } from '../store';
import { VeriffClient } from '../vendors/veriff/client';
import { VeriffVendor } from '../vendors/veriff/vendor';

export interface KycWorkerOptions {
  config: Config;
  db: Db;
  connection: NativeConnection;
  // Prebundled workflow code (tests, benchmarks) or the path to bundle from.
  workflows: { workflowBundle: { code: string } } | { workflowsPath: string };
  notifier?: Notifier;
  taskQueue?: string;
  now?: () => Date;
}

export function notifierFromEnv(env: Record<string, string | undefined>): Notifier {
  return env.KYC_NOTIFY_URL ? new HttpNotifier(env.KYC_NOTIFY_URL) : new LogNotifier();
}

export async function createKycWorker(options: KycWorkerOptions): Promise<Worker> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const stores = createStores(options.db, new PiiCipher(new KeyRing(config.KYC_PII_KEYS), config.KYC_PII_HASH_KEY), now);
  const activities = createActivities({
    db: options.db,
    stores,
    vendor: new VeriffVendor(new VeriffClient({ baseUrl: config.VERIFF_BASE_URL, apiKey: config.VERIFF_API_KEY, apiSecret: config.VERIFF_API_SECRET, timeoutMs: config.VERIFF_TIMEOUT_MS })),
    notifier: options.notifier ?? new LogNotifier(),
    config,
    now,
  });
  const workerOptions: WorkerOptions = {
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    activities: {
      ...activities,
      // The ops workflows ask Temporal whether verification workflows still run: same connection.
      ...createOpsActivities({ db: options.db, records: stores.records, temporal: new Client({ connection: options.connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: kycDataConverter(config) }) }),
    },
    dataConverter: kycDataConverter(config),
    ...options.workflows,
  };
  return Worker.create(workerOptions);
}
