import http from 'node:http';
import { OcrPool } from '../document-check';
import { loadConfig } from '../domain/config';
import { PiiCipher, KeyRing } from '../infra/crypto';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createApiMetrics, metricsBinding, startMetricsServer } from '../infra/metrics';
import { connectTemporalClient } from '../infra/temporal';
import { createApp, verifyLane } from './app';
import { keyStoreDb } from '../store';
import { gaugeSnapshot } from '../store/ops-queries';

// Standalone API process (production: several behind a load balancer). Needs DATABASE_URL.
async function main() {
  const config = loadConfig(process.env);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for a standalone API process (npm start runs the embedded setup)');
  const logger = createLogger(config.LOG_LEVEL, { service: 'kyc-api' });
  const db = createDb(config.DATABASE_URL, undefined, logger);
  const keyStore = keyStoreDb(config, db, logger);
  const temporal = await connectTemporalClient(config);
  const cipher = new PiiCipher(new KeyRing(config.KYC_PII_KEYS), config.KYC_PII_HASH_KEY);
  const metrics = createApiMetrics({ readGauges: () => gaugeSnapshot(db, { stuckAfterHours: config.KYC_ALERT_STUCK_RECORDS_THRESHOLD, brokerConfigured: Boolean(config.KYC_EVENT_BROKER_URL) }), logger });
  const metricsServer = await startMetricsServer(metrics, config.METRICS_PORT, config.METRICS_HOST);
  logger.info('metrics listening', { url: metricsServer.url, binding: metricsBinding(config.METRICS_HOST) });
  // POST /api/v1/verify runs the document check in this process: one OCR pool, started on first use, all its own.
  const ocr = new OcrPool({ size: config.KYC_DOCUMENT_OCR_WORKERS });
  const app = createApp({ db, keyStore, temporal, cipher, config, logger, metrics, verifyOcr: verifyLane(ocr, config, false) });
  // Every API process redelivers the webhook receipts whose delivery did not finish (its own or a dead neighbour's).
  app.vendorUpdates.startRedelivery();
  // Unset HOST: every interface, behind the load balancer (production secrets are never public).
  const server = http.createServer(app).listen({ port: config.PORT, host: config.HOST }, () => logger.info('api listening', { port: config.PORT, host: config.HOST ?? 'every interface' }));
  const stop = () => server.close(() => void app.vendorUpdates.stop().then(() => Promise.all([db.$disconnect(), keyStore.$disconnect(), temporal.connection.close(), metricsServer.close(), ocr.terminate()])).then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
