// needs: postgres, rabbitmq
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EVENT_SOURCES, EVENT_TYPES, type EventType } from '../../domain/events';
import { createDb, type Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { OutboxRelay } from '../../events/relay';
import { consumeEvents, firstArrivalsBySubject, sharedBrokerUrl, startPrivateBroker, type EventConsumer, type PrivateBroker } from '../support/broker';
import { createTestDatabase } from '../support/database';
import { sampleEventData, writeEvent } from '../support/events';
import { eventually } from '../support/system';

// The outbox relay on a real PostgreSQL and a real RabbitMQ: events reach kyc.events in order per
// subject, at least once, whatever happens to the broker or to the relay itself.

const ROOT = path.resolve(__dirname, '..', '..');
type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
const quietLogger = () => createLogger('error', { service: 'test-relay' }, () => undefined);

const typeAt = (i: number): EventType => EVENT_TYPES[i % EVENT_TYPES.length]!;
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function writeRound(db: Db, subjects: string[], round: number): Promise<string[]> {
  const ids: string[] = [];
  for (const subject of subjects) ids.push(await writeEvent(db, typeAt(round), subject));
  return ids;
}

describe('the outbox relay and RabbitMQ', () => {
  let database: TestDatabase;
  let db: Db;
  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
  });
  after(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  test('when several writers add events to one subject at once, then the subject counts 1, 2, 3, ... without gaps, in position order', async () => {
    const subject = randomUUID();
    await Promise.all(range(20).map(() => writeEvent(db, 'KYC_CREATED', subject)));
    const rows = await db.outboxEvent.findMany({ where: { subject }, orderBy: { position: 'asc' }, select: { subjectSeq: true } });
    assert.deepEqual(rows.map((r) => r.subjectSeq), range(20));
  });

  describe('when the broker is stopped while events are produced and started again', () => {
    let broker: PrivateBroker;
    let consumer: EventConsumer;
    let relay: OutboxRelay;
    let scoped: TestDatabase;
    let scopedDb: Db;
    before(async () => {
      broker = await startPrivateBroker();
      scoped = await createTestDatabase();
      scopedDb = createDb(scoped.url, 4);
      consumer = await consumeEvents(broker.url);
      relay = new OutboxRelay({ db: scopedDb, databaseUrl: scoped.url, brokerUrl: broker.url, logger: quietLogger(), batchSize: 25, pollIntervalMs: 100 });
      relay.start();
    });
    after(async () => {
      await relay?.stop();
      await consumer?.close();
      await broker?.remove();
      await scopedDb?.$disconnect();
      await scoped?.drop();
    });

    test('then nothing is marked published while it is down, and afterwards every event arrives, in order per subject', async () => {
      const subjects = range(5).map(() => randomUUID());
      const ids: string[] = [];
      for (let round = 0; round < 10; round++) ids.push(...(await writeRound(scopedDb, subjects, round)));
      await eventually(async () => new Set(consumer.received.map((m) => m.event.id)).size, (n) => n === 50, 20_000, 'the first 50 events');

      await broker.stop();
      for (let round = 10; round < 20; round++) ids.push(...(await writeRound(scopedDb, subjects, round)));
      // The relay keeps trying; without a broker nothing can be confirmed, so nothing is marked.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await scopedDb.outboxEvent.count({ where: { publishedAt: null } }), 50);

      await broker.start();
      await eventually(() => scopedDb.outboxEvent.count({ where: { publishedAt: null } }), (n) => n === 0, 60_000, 'the relay to publish the backlog');
      await eventually(async () => new Set(consumer.received.map((m) => m.event.id)).size, (n) => n === 100, 30_000, 'every event at the consumer');

      assert.deepEqual(new Set(consumer.received.map((m) => m.event.id)), new Set(ids));
      const order = firstArrivalsBySubject(consumer.received);
      for (const subject of subjects) assert.deepEqual(order.get(subject), range(20), `order of subject ${subject}`);
      for (const message of consumer.received) {
        assert.equal(message.routingKey, message.event.type);
        assert.equal(message.messageId, message.event.id);
        assert.equal(message.persistent, true);
        assert.equal(message.contentType, 'application/cloudevents+json');
      }
    });
  });

  describe('when the relay process is killed (SIGKILL) in the middle of a batch', () => {
    let consumer: EventConsumer;
    let scoped: TestDatabase;
    let scopedDb: Db;
    const children: ChildProcess[] = [];
    const subjects: string[] = range(10).map(() => randomUUID());
    const relayProcess = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'support', 'relay-process.ts')], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: scoped.url, AMQP_URL: sharedBrokerUrl(), RELAY_BATCH_SIZE: '400' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };
    before(async () => {
      scoped = await createTestDatabase();
      scopedDb = createDb(scoped.url, 4);
      consumer = await consumeEvents(sharedBrokerUrl(), (event) => subjects.includes(event.subject));
    });
    after(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await consumer?.close();
      await scopedDb?.$disconnect();
      await scoped?.drop();
    });

    test('then a new relay publishes again what was not confirmed: no event is lost, duplicates carry the same id', async (t) => {
      const rows = range(3000).map((i) => {
        const subject = subjects[i % subjects.length]!;
        const type = typeAt(i);
        return { id: randomUUID(), type, source: EVENT_SOURCES[type], subject, data: sampleEventData(type, subject) as object, dedupeKey: `kill:${randomUUID()}` };
      });
      await scopedDb.outboxEvent.createMany({ data: rows });

      const first = relayProcess();
      // Mid-run: the relay has published (events on the broker it has not marked yet, or batches
      // marked) and has not finished. The consumer runs in this process and may lag behind the
      // relay's marks on a busy machine, so either sign of progress will do.
      const distinct = () => new Set(consumer.received.map((m) => m.event.id)).size;
      const midBatch = await eventually(
        async () => ({ received: distinct(), marked: await scopedDb.outboxEvent.count({ where: { publishedAt: { not: null } } }) }),
        (s) => (s.received > s.marked || s.marked > 0) && s.marked < rows.length,
        30_000,
        'events on the broker that are not marked published yet',
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const markedAtKill = await scopedDb.outboxEvent.count({ where: { publishedAt: { not: null } } });
      assert.ok(markedAtKill < rows.length, 'the relay was killed before it finished');
      t.diagnostic(`killed with ${midBatch.received} events received and ${midBatch.marked} marked published`);

      const second = relayProcess();
      await eventually(() => scopedDb.outboxEvent.count({ where: { publishedAt: null } }), (n) => n === 0, 60_000, 'the second relay to publish the rest');
      await eventually(async () => distinct(), (n) => n === rows.length, 30_000, 'every event at the consumer');
      second.kill('SIGTERM');

      assert.deepEqual(new Set(consumer.received.map((m) => m.event.id)), new Set(rows.map((r) => r.id)));
      const duplicates = consumer.received.length - rows.length;
      t.diagnostic(`${duplicates} duplicate deliveries`);
      const order = firstArrivalsBySubject(consumer.received);
      for (const subject of subjects) assert.deepEqual(order.get(subject), range(rows.length / subjects.length), `order of subject ${subject}`);
      // A redelivered event is the same event: same id, same content.
      const byId = new Map<string, string>();
      for (const { event } of consumer.received) {
        const text = JSON.stringify(event);
        assert.equal(byId.get(event.id) ?? text, text);
        byId.set(event.id, text);
      }
    });
  });

  describe('with the shared broker', () => {
    let consumer: EventConsumer;
    const subjects: string[] = range(3).map(() => randomUUID());
    before(async () => {
      consumer = await consumeEvents(sharedBrokerUrl(), (event) => subjects.includes(event.subject));
    });
    after(async () => {
      await consumer?.close();
    });

    test('when a row does not match the catalogue (an undeclared field), then it is set aside with the reason and the events after it still go out', async () => {
      const relay = new OutboxRelay({ db, databaseUrl: database.url, brokerUrl: sharedBrokerUrl(), logger: quietLogger(), pollIntervalMs: 100 });
      relay.start();
      try {
        const subject = subjects[0]!;
        const good1 = await writeEvent(db, 'KYC_CREATED', subject);
        const bad = await writeEvent(db, 'KYC_VERIFIED', subject, { ...sampleEventData('KYC_VERIFIED', subject), lastName: 'Doe' });
        const good2 = await writeEvent(db, 'DOCUMENT_CHECKED', subject);
        await eventually(async () => consumer.received.map((m) => m.event.id), (ids) => ids.includes(good2), 20_000, 'the event after the bad one');
        assert.deepEqual(consumer.received.filter((m) => m.event.subject === subject).map((m) => m.event.id), [good1, good2]);
        const setAside = await db.outboxEvent.findUniqueOrThrow({ where: { id: bad } });
        assert.ok(setAside.quarantinedAt);
        assert.equal(setAside.publishedAt, null);
        assert.match(setAside.lastError ?? '', /lastName/);
        assert.doesNotMatch(setAside.lastError ?? '', /Doe/);
      } finally {
        await relay.stop();
      }
    });

    test('when two relays run on one database, then one publishes and the other stands by, and takes over when the first stops', async () => {
      const options = { db, databaseUrl: database.url, brokerUrl: sharedBrokerUrl(), logger: quietLogger(), pollIntervalMs: 100 };
      const relays = [new OutboxRelay(options), new OutboxRelay(options)];
      for (const relay of relays) relay.start();
      try {
        const subject = subjects[1]!;
        const ids: string[] = [];
        for (let i = 0; i < 200; i++) ids.push(await writeEvent(db, typeAt(i), subject));
        await eventually(async () => consumer.received.filter((m) => m.event.subject === subject).length, (n) => n >= 200, 20_000, '200 events');
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(consumer.received.filter((m) => m.event.subject === subject).length, 200, 'a second relay would have published duplicates');
        assert.deepEqual(firstArrivalsBySubject(consumer.received).get(subject), range(200));

        await relays[0]!.stop();
        const later = subjects[2]!;
        const more: string[] = [];
        for (let i = 0; i < 20; i++) more.push(await writeEvent(db, typeAt(i), later));
        await eventually(async () => consumer.received.filter((m) => m.event.subject === later).map((m) => m.event.id), (got) => more.every((id) => got.includes(id)), 20_000, 'the standby relay to take over');
      } finally {
        await Promise.all(relays.map((relay) => relay.stop()));
      }
    });
  });
});
