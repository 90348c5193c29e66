import { createDb } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { OutboxRelay } from '../../events/relay';

// A relay in a process of its own, publishing to RabbitMQ only, for the test that kills it with
// SIGKILL (no chance to finish a batch or release anything). Reads DATABASE_URL, AMQP_URL and
// RELAY_BATCH_SIZE; logs JSON lines on stdout.

const databaseUrl = process.env.DATABASE_URL;
const brokerUrl = process.env.AMQP_URL;
if (!databaseUrl || !brokerUrl) throw new Error('DATABASE_URL and AMQP_URL are required');
const db = createDb(databaseUrl, 2);
const relay = new OutboxRelay({ db, databaseUrl, brokerUrl, logger: createLogger('info', { service: 'test-relay' }), batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 500), pollIntervalMs: 200 });
relay.start();
process.on('SIGTERM', () => void relay.stop().then(() => process.exit(0)));
