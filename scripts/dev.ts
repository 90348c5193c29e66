import http from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { createApp, verifyLane } from '../api/app';
import { OcrPool } from '../document-check';
import { ConfigError, loadConfig, usesTemporalTls } from '../domain/config';
import { KeyRing, PiiCipher } from '../infra/crypto';
import { createDb } from '../infra/db';
import { ensureDemoAccounts, DEMO_ACCOUNTS } from '../store/demo-accounts';
import { startEmbeddedPostgres } from './embedded-postgres';
import { createLogger } from '../infra/logger';
import { createApiMetrics, metricsBinding, startMetricsServer } from '../infra/metrics';
import { createRelay } from '../events/relay';
import { migrate } from '../infra/migrate';
import { ensureOpsSchedules, ensureScreeningSchedules } from '../worker/schedules';
import { ensureBundledListsScreened } from '../worker/screening';
import { createStores, keyStoreDb, processPersonalData } from '../store';
import { connectTemporalClient, temporalConnectionOptions } from '../infra/temporal';
import { ensureTemporalCli, startTemporalDevServer } from './temporal-dev-server';
import { installWorkerRuntime } from '../infra/worker-runtime';
import { startSimulator } from '../simulator/server';
import { KYC_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createKycWorker } from '../worker/create-worker';
import { WORKFLOWS_PATH } from '../worker/workflow-bundle';
import { gaugeSnapshot } from '../store/ops-queries';

// `npm start`: the whole system on embedded defaults, in one command. Anything given in the
// environment (DATABASE_URL, TEMPORAL_ADDRESS, VERIFF_BASE_URL) replaces its embedded stand-in.

const env = process.env;
const EMBEDDED_PG_PORT = Number(env.KYC_EMBEDDED_PG_PORT ?? 55432);
const TEMPORAL_DEV_PORT = Number(env.TEMPORAL_DEV_PORT ?? 7233);
const TEMPORAL_UI_PORT = Number(env.TEMPORAL_UI_PORT ?? 8233);
const SIMULATOR_PORT = Number(env.VERIFF_SIMULATOR_PORT ?? 8090);

async function main() {
  const config = loadConfig(env);
  // The embedded dev server listens without TLS: TLS settings can only be meant for another frontend.
  if (!env.TEMPORAL_ADDRESS && usesTemporalTls(config)) throw new ConfigError('Invalid configuration:\n  TEMPORAL_ADDRESS: required with TEMPORAL_TLS_* (they describe an external Temporal frontend; the embedded dev server has no TLS)');
  const logger = createLogger(config.LOG_LEVEL, { service: 'kyc-dev' });
  const dataDir = path.resolve(config.KYC_DATA_DIR);
  const stops: (() => Promise<unknown>)[] = [];

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres(path.join(dataDir, 'pglite'), EMBEDDED_PG_PORT);
    stops.push(() => embedded.stop());
    databaseUrl = embedded.url;
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) logger.info('migrations applied', { applied });
  // The embedded database serves one query at a time, and its socket server queues each protocol
  // message on its own: two connections' Parse/Bind messages can interleave, binding one query's
  // parameters to another's statement (seen as sporadic 500s once the relay polled too). One
  // connection per process costs nothing it had and rules that out.
  const db = createDb(databaseUrl, config.DATABASE_URL ? 10 : 1, logger);
  stops.push(() => db.$disconnect());
  if (config.KYC_DEMO_ACCOUNTS) await ensureDemoAccounts(db);

  let temporalUi = env.TEMPORAL_UI_URL ?? '(external Temporal: see its own UI)';
  if (!env.TEMPORAL_ADDRESS) {
    const server = await startTemporalDevServer({
      cliPath: ensureTemporalCli(),
      dbFile: path.join(dataDir, 'temporal.db'),
      ip: '127.0.0.1',
      port: TEMPORAL_DEV_PORT,
      uiPort: TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: KYC_SEARCH_ATTRIBUTES,
      // The UI asks our API to decode payloads (sending the token of a staff member allowed to).
      codecEndpoint: `${config.PUBLIC_BASE_URL}/codec`,
    });
    stops.unshift(() => server.stop());
    temporalUi = server.uiUrl;
    // The admin pages link workflows to the UI this dev server really runs, and the codec answers
    // that UI whatever port it was given.
    config.TEMPORAL_UI_URL = server.uiUrl;
    config.TEMPORAL_UI_ORIGIN = [...new Set([...config.TEMPORAL_UI_ORIGIN, new URL(server.uiUrl).origin])];
    config.TEMPORAL_ADDRESS = server.address;
  }

  let simulatorUrl: string | null = null;
  if (!env.VERIFF_BASE_URL) {
    const simulator = await startSimulator({
      port: SIMULATOR_PORT,
      apiKey: config.VERIFF_API_KEY,
      apiSecret: config.VERIFF_API_SECRET,
      webhookSecret: config.VERIFF_WEBHOOK_SECRET,
      webhookUrl: `${config.PUBLIC_BASE_URL}/api/kyc/webhook/veriff/`,
      // "off", as for the standalone simulator: no applicant is decided on its own.
      autoDecideDelayMs: env.VERIFF_SIMULATOR_AUTO_DECIDE_MS === 'off' ? null : Number(env.VERIFF_SIMULATOR_AUTO_DECIDE_MS ?? 3000),
    });
    stops.unshift(() => simulator.close());
    simulatorUrl = simulator.url;
    config.VERIFF_BASE_URL = simulator.url;
  }

  const workerMetrics = `${config.METRICS_HOST}:${config.WORKER_METRICS_PORT}`;
  installWorkerRuntime({ logger: createLogger(config.LOG_LEVEL, { service: 'kyc-worker' }), level: config.LOG_LEVEL, metricsBindAddress: workerMetrics });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // One OCR pool for the process: the worker's document checks and the API's /api/v1/verify share it;
  // the API's requests run on a lane of it (verifyLane), served after the worker's checks.
  const ocr = new OcrPool({ size: config.KYC_DOCUMENT_OCR_WORKERS });
  stops.unshift(() => ocr.terminate());
  // One cache of data keys for the process: a key the API makes or reads on a start is the one the
  // worker's steps then use, without reading it again.
  const cipher = new PiiCipher(new KeyRing(config.KYC_PII_KEYS), config.KYC_PII_HASH_KEY);
  const keyStore = keyStoreDb(config, db, logger);
  const personalData = processPersonalData({ cipher, keyStore });
  const worker = await createKycWorker({ config, db, keyStore, connection, ocr, personalData, workflows: { workflowsPath: WORKFLOWS_PATH } });
  const workerDone = worker.run();
  stops.unshift(async () => {
    worker.shutdown();
    await workerDone;
    await connection.close();
  });

  const temporal = await connectTemporalClient(config);
  stops.unshift(() => temporal.connection.close());
  // The outbox relay: webhook fan-out, and RabbitMQ when KYC_EVENT_BROKER_URL names one.
  // The embedded database answers one query at a time and delivers no notifications: a slower
  // poll leaves it to the API and the worker (the verification workflow dispatches its own
  // record's webhooks at once anyway).
  const relay = createRelay({ config, db, databaseUrl, temporal, logger: createLogger(config.LOG_LEVEL, { service: 'kyc-relay' }), ...(config.DATABASE_URL ? {} : { pollIntervalMs: 2000 }) });
  relay.start();
  stops.unshift(() => relay.stop());
  // The ops schedules: created, or updated to this configuration, on every start.
  const schedules = [...(await ensureOpsSchedules(temporal, config)), ...(await ensureScreeningSchedules(temporal, config))];
  logger.info('schedules ready', { schedules });
  const apiLogger = createLogger(config.LOG_LEVEL, { service: 'kyc-api' });
  const metrics = createApiMetrics({ readGauges: () => gaugeSnapshot(db, { stuckAfterHours: config.KYC_ALERT_STUCK_RECORDS_THRESHOLD, brokerConfigured: Boolean(config.KYC_EVENT_BROKER_URL) }), logger: apiLogger });
  const metricsServer = await startMetricsServer(metrics, config.METRICS_PORT, config.METRICS_HOST);
  stops.unshift(() => metricsServer.close());
  const app = createApp({ db, temporal, cipher, keyStore, config, logger: apiLogger, metrics, verifyOcr: verifyLane(ocr, config, true), personalData });
  app.vendorUpdates.startRedelivery();
  stops.unshift(() => app.vendorUpdates.stop());
  const server = http.createServer(app);
  // The development secrets are public: whoever reaches this API can sign an admin token. So it
  // listens on this machine only, like the simulator, Temporal and the metrics, unless HOST says otherwise.
  const host = config.HOST ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  stops.unshift(() => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }));

  console.log(
    [
      '',
      'KYC service is up.',
      `  API:             ${config.PUBLIC_BASE_URL}  (POST /api/auth/login/, POST /api/kyc/records/start_verification/); listening on ${apiBinding((server.address() as AddressInfo).address)}`,
      `  API docs:        ${config.PUBLIC_BASE_URL}/docs  (OpenAPI: ${config.PUBLIC_BASE_URL}/openapi.json)`,
      `  Temporal UI:     ${temporalUi}`,
      `  Veriff:          ${simulatorUrl ? `${simulatorUrl} (simulator; control API under /control)` : config.VERIFF_BASE_URL}`,
      `  Database:        ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded PGlite (${databaseUrl})`}`,
      `  Metrics:         ${metricsServer.url} (API), http://${workerMetrics}/metrics (worker); listening on ${metricsBinding(config.METRICS_HOST)}`,
      `  Events:          ${config.KYC_EVENT_BROKER_URL ? `RabbitMQ exchange kyc.events (KYC_EVENT_BROKER_URL) and webhooks` : 'webhooks only (set KYC_EVENT_BROKER_URL for RabbitMQ)'}; AsyncAPI ${config.PUBLIC_BASE_URL}/asyncapi.json`,
      `  Ops:             schedules ${schedules.map((s) => s.scheduleId).join(', ')}; npm run ops -- stuck | pending | show <id> | reconcile`,
      `  Screening:       ${config.PUBLIC_BASE_URL}/review/screening; checking the sanctions and PEP lists (the bundled copies load on first start, about a minute on the embedded database; requests wait meanwhile)`,
      ...(config.KYC_DEMO_ACCOUNTS ? [`  Demo accounts:   ${DEMO_ACCOUNTS.map((a) => `${a.username}/${a.password} (${a.role})`).join(', ')}`] : []),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  // The bundled lists where none is loaded yet, then their rescreen: after the banner, so the URLs
  // are there at once; the line below says when screening is ready. Stopping meanwhile abandons
  // the load (its transaction rolls back; the next start loads again).
  const started = Date.now();
  const screening = ensureBundledListsScreened(db, temporal, createStores(db, { cipher, keyStore, amlRetentionYears: config.KYC_AML_RETENTION_YEARS, personalData }).screening, config).then(
    ({ lists }) => {
      const loaded = lists.filter((l) => l.status === 'loaded').map((l) => l.source);
      console.log(`Screening lists ready: ${lists.map((l) => l.source).join(', ')}${loaded.length ? ` (loaded ${loaded.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s)` : ' (already loaded)'}.`);
    },
    (err: Error) => {
      if (!stopping) logger.error('the bundled screening lists could not be loaded; npm run screening -- bundled retries', { error: err.name });
    },
  );
  stops.push(() => screening);

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops) await stop().catch((err: Error) => logger.warn('shutdown step failed', { error: err.message }));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/** The bound address and who can reach it. */
function apiBinding(address: string): string {
  const loopback = /^127\./.test(address) || address === '::1' || address === '::ffff:127.0.0.1';
  return loopback ? `${address} (this machine only)` : `${address} (reachable from the network: anyone there can sign tokens with the development secrets)`;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
