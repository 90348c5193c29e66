import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createApp, verifyLane } from '../../api/app';
import { type VendorUpdateInbox } from '../../api/vendor-update-inbox';
import { type OcrLane, OcrPool } from '../../document-check';
import { type Config, loadConfig } from '../../domain/config';
import { KeyRing, PiiCipher } from '../../infra/crypto';
import { createDb, type Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { hashPassword } from '../../infra/passwords';
import { connectTemporalClient } from '../../infra/temporal';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createStores, keyStoreDb, type Stores } from '../../store';
import { createKycWorker, type KycWorker } from '../../worker/create-worker';
import { createTestDatabase } from './database';
import { basicLimits } from '../../store/wallets';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

// The real system for a test: API on port 0, Veriff simulator on port 0 delivering webhooks to
// that API, a worker on its own task queue over the run's Temporal dev server, a fresh database.

// Everything the worker runtime logs (workflow and activity loggers, SDK messages), kept so tests
// can check that no PII reaches the logs; warnings and errors are still printed.
export const runtimeLogs: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      runtimeLogs.push({ level: entry.level, message: entry.message, ...(entry.meta ? { meta: entry.meta } : {}) });
      if (entry.level === 'WARN' || entry.level === 'ERROR') console.error(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
    }),
  });
}

let bundle: Promise<string> | undefined;
export function workflowBundle(): Promise<string> {
  const file = process.env.WORKFLOW_BUNDLE_PATH;
  if (!file) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run the tests with `npm test`');
  bundle ??= readFile(file, 'utf8');
  return bundle;
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test`');
  return address;
}

// The signing secret of the notification subscriber (KYC_NOTIFY_URL) in tests that have one.
export const TEST_NOTIFY_SECRET = 'whsec_dGVzdC1ub3RpZnktc2VjcmV0LTMyLWJ5dGVzLWxvbmc=';

export interface TestSystem {
  apiUrl: string;
  config: Config;
  db: Db;
  client: Client;
  simulator: RunningSimulator;
  /** The KYC_NOTIFY_URL subscriber, when the test asked for one (`notifications: true`). */
  notifications: WebhookReceiver | null;
  worker: KycWorker;
  cipher: PiiCipher;
  /** The key store database (the main one unless the test named another in KYC_KEY_STORE_URL). */
  keyStore: Db;
  /** Stores of the test's own over the same databases: to read what the system sealed, as the system would. */
  stores: Stores;
  /** The lane of the shared OCR pool the API's POST /api/v1/verify runs on (the worker's checks use the pool itself). */
  verifyOcr: OcrLane;
  /** The API's webhook inbox (its redelivery loop runs every few seconds; a test may call `redeliverDue()` itself). */
  vendorUpdates: VendorUpdateInbox;
  logs: string[];
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

// `worker: false` leaves the worker to the test (for example, a separate process it can kill);
// `notifications: true` registers a webhook receiver as the KYC_NOTIFY_URL subscriber;
// `lists: false` starts on a database without any sanctions list.
/**
 * poolSize: the database connections the API and worker share (5: test files run side by side, and
 * PostgreSQL's connections are shared by all of them; a benchmark gives them production's).
 */
export async function startTestSystem(overrides: Record<string, string> = {}, options: { autoDecideDelayMs?: number | null; worker?: boolean; notifications?: boolean; poolSize?: number; lists?: boolean } = {}): Promise<TestSystem> {
  quietRuntime();
  // The bundled lists loaded, as production starts (screening fails closed without them);
  // `lists: false` for a test that loads the lists it screens against itself.
  const database = await createTestDatabase({ lists: options.lists ?? true });
  const taskQueue = `kyc-test-${randomUUID()}`;
  const logs: string[] = [];
  const logger = createLogger('debug', { service: 'test-api' }, (line) => logs.push(line));

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Tests start many verifications from 127.0.0.1; the rate-limit tests set their own limit.
  // Veriff's hosted page sends the browser back to this API's own pages (test/browser).
  const notifications = options.notifications ? await startWebhookReceiver() : null;
  const testDefaults = { KYC_RATE_LIMIT_PER_IP: '100000', KYC_UPLOADS_PER_HOUR_PER_IP: '100000', FRONTEND_URL: apiUrl, ...(notifications ? { KYC_NOTIFY_URL: notifications.url, KYC_NOTIFY_SECRET: TEST_NOTIFY_SECRET } : {}) };
  const baseConfig = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: taskQueue, PUBLIC_BASE_URL: apiUrl, ...testDefaults, ...overrides });
  const simulator = await startSimulator({
    port: 0,
    apiKey: baseConfig.VERIFF_API_KEY,
    apiSecret: baseConfig.VERIFF_API_SECRET,
    webhookSecret: baseConfig.VERIFF_WEBHOOK_SECRET,
    webhookUrl: `${apiUrl}/api/kyc/webhook/veriff/`,
    autoDecideDelayMs: options.autoDecideDelayMs ?? null,
    deliveryRetryDelaysMs: [200, 500, 1000],
  });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: taskQueue, PUBLIC_BASE_URL: apiUrl, VERIFF_BASE_URL: simulator.url, ...testDefaults, ...overrides });

  const db = createDb(database.url, options.poolSize ?? 5);
  const client = await connectTemporalClient(config);
  const cipher = new PiiCipher(new KeyRing(config.KYC_PII_KEYS), config.KYC_PII_HASH_KEY);
  const keyStore = keyStoreDb(config, db);
  // One OCR pool for the test's API and worker, as in one process of `npm start`; workers start on first use.
  const ocr = new OcrPool({ size: config.KYC_DOCUMENT_OCR_WORKERS });
  const verifyOcr = verifyLane(ocr, config, true);
  const app = createApp({ db, keyStore, temporal: client, cipher, config, logger, verifyOcr });
  app.vendorUpdates.startRedelivery();
  server.on('request', app);

  const code = await workflowBundle();
  let connection: NativeConnection | undefined;
  let worker!: KycWorker;
  let running: Promise<void> | undefined;
  const system: TestSystem = {
    apiUrl,
    config,
    db,
    client,
    simulator,
    notifications,
    get worker() {
      return worker;
    },
    cipher,
    keyStore,
    verifyOcr,
    vendorUpdates: app.vendorUpdates,
    stores: createStores(db, { cipher, keyStore, amlRetentionYears: config.KYC_AML_RETENTION_YEARS }),
    logs,
    async startWorker() {
      connection ??= await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      worker = await createKycWorker({ config, db, keyStore, connection, ocr, workflows: { workflowBundle: { code } } });
      running = worker.run();
    },
    async stopWorker() {
      if (!running) return;
      worker.shutdown();
      await running;
      running = undefined;
    },
    async stop() {
      await system.stopWorker();
      await simulator.close();
      await notifications?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.vendorUpdates.stop();
      await client.connection.close();
      await connection?.close();
      if (keyStore !== db) await keyStore.$disconnect();
      await ocr.terminate();
      await db.$disconnect();
      await database.drop();
    },
  };
  if (options.worker !== false) await system.startWorker();
  return system;
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

// A customer (or staff member) with a basic wallet, logged in over HTTP like a client would.
export async function createUser(system: TestSystem, role: 'customer' | 'reviewer' | 'senior_reviewer' | 'admin' | 'auditor' = 'customer'): Promise<TestUser> {
  const username = `${role}-${randomUUID().slice(0, 8)}`;
  const password = 'correct horse battery';
  const user = await system.db.user.create({
    data: { username, passwordHash: await hashPassword(password), role, ...(role === 'customer' ? { wallet: { create: basicLimits() } } : {}) },
  });
  const response = await fetch(`${system.apiUrl}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  const body = (await response.json()) as { access: string };
  return { id: user.id, username, token: body.access };
}

export async function api(system: TestSystem, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${system.apiUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', headers: response.headers, json: json as Record<string, unknown>, text };
}

// Polls until the predicate holds; fails with the last value seen (never a fixed sleep).
export async function eventually<T>(probe: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The sample applicant with a passport number of their own: customers sharing a document number
// are (rightly) sent to manual review as possible fraud, which most tests are not about.
export function applicant(overrides: Record<string, unknown> = {}) {
  return { ...SAMPLE_APPLICATION, document_number: `BP${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`, ...overrides };
}

export const SAMPLE_APPLICATION = {
  first_name: 'John',
  last_name: 'Doe',
  date_of_birth: '1990-01-01',
  nationality: 'BW',
  document_type: 'passport',
  document_number: 'BP123456789',
  address_line_1: '123 Main St',
  city: 'Gaborone',
  state_province: 'South East',
  postal_code: '00000',
  country: 'BW',
} as const;
