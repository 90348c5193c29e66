import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createOpsActivities } from '../activities/ops';
import { createPrivacyActivities } from '../activities/privacy';
import { documentCheckSettingsFrom, type OcrPool, withImageLimits } from '../document-check';
import { type Config } from '../domain/config';
import { webhookRetryPolicy } from '../domain/webhooks';
import { WebhookDispatcher } from '../events/dispatch';
import { addressPolicy } from '../events/ssrf-guard';
import { ensureConfiguredSubscription } from '../events/subscriptions';
import { KeyRing, PiiCipher } from '../infra/crypto';
import { DEFAULT_POOL_SIZE, type Db } from '../infra/db';
import { PgRateLimiter } from '../infra/rate-limiter';
import { kycDataConverter } from '../infra/temporal';
import { createStores, keyStoreDb } from '../store';
import { type PersonalData } from '../store/personal-data';
import { type IdentityVendor } from '../vendors/identity-vendor';
import { LocalVendor } from '../vendors/local/vendor';
import { VeriffClient } from '../vendors/veriff/client';
import { VeriffVendor } from '../vendors/veriff/vendor';
import { limitWorkflowThreadHeap } from './heap';
import { vendorMediaTaskQueue } from '../workflows/vendor-media.contract';
import { SHARED_WORKFLOW_MODULES } from './workflow-bundle';

export interface KycWorkerOptions {
  config: Config;
  db: Db;
  /** The key store database (customers' data keys); by default the one KYC_KEY_STORE_URL names, else the main database. */
  keyStore?: Db;
  /** The process's data keys when the API beside it has them already (npm start); see StoreOptions. */
  personalData?: PersonalData;
  connection: NativeConnection;
  // Prebundled workflow code (tests, benchmarks) or the path to bundle from.
  workflows: { workflowBundle: { code: string } } | { workflowsPath: string };
  taskQueue?: string;
  now?: () => Date;
  /** The process's one OCR pool (its owner terminates it after the worker stops). */
  ocr: OcrPool;
}

/** The vendor of this deployment (KYC_VENDOR): Veriff, or the self-hosted document check behind our own upload page. */
export function identityVendor(config: Config): IdentityVendor {
  if (config.KYC_VENDOR === 'local') return new LocalVendor((recordId) => `${config.FRONTEND_URL}/kyc/records/${recordId}/documents`);
  return new VeriffVendor(new VeriffClient({ baseUrl: config.VERIFF_BASE_URL, apiKey: config.VERIFF_API_KEY, apiSecret: config.VERIFF_API_SECRET, timeoutMs: config.VERIFF_TIMEOUT_MS }));
}

/**
 * The SDK workers of one worker process, run and stopped together: the verifications' own task
 * queue, and the media task queue beside it (vendorMediaTaskQueue) with local-activity slots of
 * its own.
 */
export interface KycWorker {
  /** Runs until shutdown; when one worker fails, the other is shut down and the failure thrown. */
  run(): Promise<void>;
  shutdown(): void;
}

// Media workflows at once, and so their steps at once (each workflow runs one step at a time: a
// listing, or one image downloaded and stored). As many workflow tasks as step slots: a burst of
// decisions waits in the task queue (its backlog), not in workflow tasks held open, and
// heartbeated, while their steps wait for a slot.
const MEDIA_STEPS_AT_ONCE = 4;
// Media workflows finish within one workflow task or a few: few stay in memory.
const MEDIA_CACHED_WORKFLOWS = 50;

export async function createKycWorker(options: KycWorkerOptions): Promise<KycWorker> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const taskQueue = options.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  const cipher = new PiiCipher(new KeyRing(config.KYC_PII_KEYS), config.KYC_PII_HASH_KEY);
  const stores = createStores(options.db, { cipher, keyStore: options.keyStore ?? keyStoreDb(config, options.db), amlRetentionYears: config.KYC_AML_RETENTION_YEARS, personalData: options.personalData }, now);
  // The ops workflows ask Temporal whether verification workflows still run, and webhook
  // dispatch starts delivery workflows: a client on the worker's own connection.
  const temporal = new Client({ connection: options.connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: kycDataConverter(config) });
  await ensureConfiguredSubscription(stores.webhookSubscriptions, config);
  const vendor = identityVendor(config);
  const activities = createActivities({
    db: options.db,
    stores,
    secrets: cipher,
    vendor,
    documentCheck: { ocr: options.ocr, settings: withImageLimits(documentCheckSettingsFrom(config.KYC_DOCUMENT_CHECK_SETTINGS, 'KYC_DOCUMENT_CHECK_SETTINGS'), { maxBytes: config.KYC_DOCUMENT_MAX_BYTES, maxPixels: config.KYC_DOCUMENT_MAX_PIXELS }) },
    webhooks: new WebhookDispatcher({ db: options.db, temporal, taskQueue, policy: webhookRetryPolicy(config) }),
    addressPolicy: addressPolicy(config),
    config,
    now,
  });
  const common = {
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: kycDataConverter(config),
    ...options.workflows,
    ...('workflowsPath' in options.workflows ? { bundlerOptions: { preloadModules: SHARED_WORKFLOW_MODULES } } : {}),
  } satisfies Partial<WorkerOptions>;
  const workerOptions: WorkerOptions = {
    ...common,
    taskQueue,
    activities: {
      ...activities,
      ...createOpsActivities({ db: options.db, records: stores.records, temporal }),
      ...createPrivacyActivities({ stores, temporal, vendor, rateLimiter: new PgRateLimiter(options.db), config, now }),
    },
    // Open verifications wait days for their customers: only so many stay in memory, the others
    // are replayed from history (a few dozen events) when their next event comes.
    maxCachedWorkflows: config.KYC_WORKER_CACHED_WORKFLOWS,
    // Every local activity is a database transaction: no more at once than the pool has
    // connections, so a burst of webhooks queues in the worker instead of timing out on the pool.
    maxConcurrentLocalActivityExecutions: DEFAULT_POOL_SIZE,
  };
  const mediaOptions: WorkerOptions = {
    ...common,
    taskQueue: vendorMediaTaskQueue(taskQueue),
    activities: { listVendorMedia: activities.listVendorMedia, keepVendorMedia: activities.keepVendorMedia },
    maxCachedWorkflows: MEDIA_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: MEDIA_STEPS_AT_ONCE,
    maxConcurrentLocalActivityExecutions: MEDIA_STEPS_AT_ONCE,
    maxConcurrentActivityTaskExecutions: MEDIA_STEPS_AT_ONCE,
  };
  // Before Worker.create, which starts the workflow threads the limit applies to.
  limitWorkflowThreadHeap(config);
  return runTogether(await Promise.all([Worker.create(workerOptions), Worker.create(mediaOptions)]));
}

function runTogether(workers: Worker[]): KycWorker {
  const shutdown = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  return {
    shutdown,
    async run() {
      const runs = workers.map((worker) =>
        worker.run().catch((err: unknown) => {
          shutdown();
          throw err;
        }),
      );
      const settled = await Promise.allSettled(runs);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
