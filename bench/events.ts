import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connect } from 'amqplib';
import { EVENT_SOURCES, EVENT_TYPES } from '../domain/events';
import { OUTBOX_ROW_SELECT, toCloudEvent } from '../events/envelope';
import { EVENT_EXCHANGE, OutboxRelay } from '../events/relay';
import { createDb, type Db } from '../infra/db';
import { createLogger } from '../infra/logger';
import { consumeEvents } from '../test/support/broker';
import { createTestDatabase } from '../test/support/database';
import { sampleEventData } from '../test/support/events';

// `npm run bench:events`: the outbox relay against RabbitMQ, next to a bare amqplib publisher of
// the very same messages in the same run, and the lag from an outbox write to the broker. Prints
// figures, asserts nothing: they depend on the machine.

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    batch: { type: 'string', default: '500' },
    subjects: { type: 'string', default: '100' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:events -- [--n 5000] [--batch 500] [--subjects 100] [--rate 200 --seconds 10]');
  console.log('  n/batch/subjects: the throughput run; rate/seconds: single-event writes for the lag run');
  process.exit(0);
}
const N = Number(args.n);
const BATCH = Number(args.batch);
const SUBJECTS = Number(args.subjects);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);

const brokerUrl = process.env.TEST_AMQP_URL;
if (!brokerUrl) throw new Error('TEST_AMQP_URL is not set: run with `npm run bench:events`');

const quiet = createLogger('error', {}, () => undefined);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

async function insertEvents(db: Db, count: number): Promise<void> {
  const subjects = Array.from({ length: SUBJECTS }, () => randomUUID());
  for (let start = 0; start < count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - start) }, (_, i) => {
      const type = EVENT_TYPES[(start + i) % EVENT_TYPES.length]!;
      const subject = subjects[(start + i) % SUBJECTS]!;
      return { type, source: EVENT_SOURCES[type], subject, data: sampleEventData(type, subject) as object, dedupeKey: `bench:${randomUUID()}` };
    });
    await db.outboxEvent.createMany({ data: rows });
  }
}

async function untilDrained(db: Db): Promise<void> {
  while ((await db.outboxEvent.count({ where: { publishedAt: null } })) > 0) await sleep(10);
}

// A durable queue bound to everything, as a consumer would have: persistent messages are written
// to it, which is part of what a confirm waits for.
async function withBoundQueue<T>(work: () => Promise<T>): Promise<T> {
  const connection = await connect(brokerUrl!);
  const channel = await connection.createChannel();
  const queue = `kyc-bench-${randomUUID()}`;
  await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, EVENT_EXCHANGE, '#');
  try {
    return await work();
  } finally {
    await channel.deleteQueue(queue);
    await connection.close();
  }
}

async function relayThroughput(db: Db, databaseUrl: string): Promise<number> {
  await insertEvents(db, N);
  const relay = new OutboxRelay({ db, databaseUrl, brokerUrl: brokerUrl!, logger: quiet, batchSize: BATCH, pollIntervalMs: 50 });
  const started = performance.now();
  relay.start();
  await untilDrained(db);
  const seconds = (performance.now() - started) / 1000;
  await relay.stop();
  return N / seconds;
}

async function barePublisher(messages: { type: string; id: string; body: Buffer; timestamp: number }[], batch: number): Promise<number> {
  const connection = await connect(brokerUrl!);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
  const started = performance.now();
  for (let start = 0; start < messages.length; start += batch) {
    for (const m of messages.slice(start, start + batch)) {
      if (!channel.publish(EVENT_EXCHANGE, m.type, m.body, { persistent: true, messageId: m.id, type: m.type, contentType: 'application/cloudevents+json', timestamp: m.timestamp, appId: 'kyc-service' })) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
    }
    await channel.waitForConfirms();
  }
  const seconds = (performance.now() - started) / 1000;
  await connection.close();
  return messages.length / seconds;
}

async function lag(db: Db, databaseUrl: string): Promise<{ toBroker: number[]; toConsumer: number[] }> {
  const consumer = await consumeEvents(brokerUrl!);
  const relay = new OutboxRelay({ db, databaseUrl, brokerUrl: brokerUrl!, logger: quiet, batchSize: BATCH, pollIntervalMs: 1000 });
  relay.start();
  await sleep(500);
  const subject = randomUUID();
  const ids = new Set<string>();
  const total = RATE * SECONDS;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const type = EVENT_TYPES[i % EVENT_TYPES.length]!;
    const row = await db.outboxEvent.create({ data: { type, source: EVENT_SOURCES[type], subject, data: sampleEventData(type, subject) as object, dedupeKey: `bench:${randomUUID()}` }, select: { id: true } });
    ids.add(row.id);
  }
  await untilDrained(db);
  while (consumer.received.filter((m) => ids.has(m.event.id)).length < ids.size) await sleep(20);
  const receivedAt = new Map(consumer.received.map((m) => [m.event.id, m.receivedAt]));
  const rows = await db.outboxEvent.findMany({ where: { id: { in: [...ids] } }, select: { id: true, createdAt: true, publishedAt: true } });
  await relay.stop();
  await consumer.close();
  return {
    toBroker: rows.map((r) => r.publishedAt!.getTime() - r.createdAt.getTime()).sort((a, b) => a - b),
    toConsumer: rows.map((r) => receivedAt.get(r.id)! - r.createdAt.getTime()).sort((a, b) => a - b),
  };
}

async function main() {
  const database = await createTestDatabase();
  const db = createDb(database.url, 4);
  try {
    console.log(`# events benchmark: ${N} events over ${SUBJECTS} subjects, batches of ${BATCH}, RabbitMQ with publisher confirms and a durable queue bound`);
    const relayRate = await withBoundQueue(() => relayThroughput(db, database.url));
    const rows = await db.outboxEvent.findMany({ orderBy: { position: 'asc' }, select: OUTBOX_ROW_SELECT });
    const messages = rows.map((row) => ({ type: row.type, id: row.id, body: Buffer.from(toCloudEvent(row).body), timestamp: Math.floor(row.createdAt.getTime() / 1000) }));
    const bareBatched = await withBoundQueue(() => barePublisher(messages, BATCH));
    const bareStream = await withBoundQueue(() => barePublisher(messages, messages.length));
    console.log('');
    console.log('| publisher | events/s |');
    console.log('|---|---|');
    console.log(`| outbox relay (read, encode, publish, confirm, mark published) | ${fmt(relayRate)} |`);
    console.log(`| bare amqplib, same messages, confirm per batch of ${BATCH} | ${fmt(bareBatched)} |`);
    console.log(`| bare amqplib, same messages, one confirm wait for all | ${fmt(bareStream)} |`);
    console.log(`| relay / bare (same batches) | ${fmt((relayRate / bareBatched) * 100)} % |`);

    await db.outboxEvent.deleteMany({});
    console.log('');
    console.log(`# lag: ${RATE} single-event transactions per second for ${SECONDS} s, relay woken by LISTEN/NOTIFY (poll 1 s)`);
    const { toBroker, toConsumer } = await withBoundQueue(() => lag(db, database.url));
    console.log('');
    console.log('| from the outbox write (created_at) to | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|');
    console.log(`| the broker's confirm (published_at) | ${fmt(percentile(toBroker, 50))} | ${fmt(percentile(toBroker, 99))} | ${fmt(toBroker.at(-1)!)} |`);
    console.log(`| a consumer of kyc.events | ${fmt(percentile(toConsumer, 50))} | ${fmt(percentile(toConsumer, 99))} | ${fmt(toConsumer.at(-1)!)} |`);
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
