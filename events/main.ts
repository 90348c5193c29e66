import { loadConfig } from '../domain/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { connectTemporalClient } from '../infra/temporal';
import { createRelay } from './relay';

// `npm run relay`: the outbox relay as a process of its own (production: one or more; one holds
// the lock and works, the others stand by). Needs DATABASE_URL; publishes to RabbitMQ when
// KYC_EVENT_BROKER_URL is set, and always fans events out to webhook subscriptions.
async function main() {
  const config = loadConfig(process.env);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for a standalone relay (npm start runs one inside)');
  const logger = createLogger(config.LOG_LEVEL, { service: 'kyc-relay' });
  const db = createDb(config.DATABASE_URL, 4, logger);
  const temporal = await connectTemporalClient(config);
  const relay = createRelay({ config, db, databaseUrl: config.DATABASE_URL, temporal, logger });
  relay.start();
  logger.info('outbox relay running', { broker: Boolean(config.KYC_EVENT_BROKER_URL), taskQueue: config.TEMPORAL_TASK_QUEUE });
  const stop = async () => {
    await relay.stop();
    await Promise.all([db.$disconnect(), temporal.connection.close()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
