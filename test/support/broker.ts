import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { type KycCloudEvent } from '../../domain/events';
import { EVENT_EXCHANGE } from '../../events/relay';
import { freePort } from '../../infra/ports';

// RabbitMQ for the tests. The run's shared node comes from scripts/ensure-rabbitmq.sh
// (TEST_AMQP_URL); a test that stops and starts its broker gets a node of its own, started by the
// same script under its own name, ports and data folder, so other test files keep theirs.

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

export function sharedBrokerUrl(): string {
  const url = process.env.TEST_AMQP_URL;
  if (!url) throw new Error('TEST_AMQP_URL is not set: run the tests with `npm test`');
  return url;
}


export interface PrivateBroker {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the node and deletes its data. */
  remove(): Promise<void>;
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const name = `kyc-t-${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, TEST_AMQP_URL: '', KYC_RABBITMQ_NAME: name, KYC_RABBITMQ_PORT: String(await freePort()), KYC_RABBITMQ_DIST_PORT: String(await freePort()) };
  const script = path.join(ROOT, 'scripts', 'ensure-rabbitmq.sh');
  const start = async () => (await run('bash', [script, 'start'], { env })).stdout.trim();
  const url = await start();
  const stop = async () => {
    await run('bash', [script, 'stop'], { env });
  };
  return {
    url,
    stop,
    start: async () => {
      await start();
    },
    remove: async () => {
      await stop();
      await rm(path.join(ROOT, '.tools', 'rabbitmq', name), { recursive: true, force: true });
    },
  };
}

export interface ReceivedMessage {
  event: KycCloudEvent;
  routingKey: string;
  messageId: string | undefined;
  persistent: boolean;
  contentType: string | undefined;
  /** Date.now() when the consumer got it. */
  receivedAt: number;
}

export interface EventConsumer {
  received: ReceivedMessage[];
  close(): Promise<void>;
}

/**
 * A consumer of kyc.events as a real one would be: a durable queue bound with `#`, acknowledging
 * each message after recording it, reconnecting whenever the broker goes away. `accept` filters
 * the events of other test files sharing the broker.
 */
export async function consumeEvents(url: string, accept: (event: KycCloudEvent) => boolean = () => true): Promise<EventConsumer> {
  const queue = `kyc-test-consumer-${randomBytes(4).toString('hex')}`;
  const received: ReceivedMessage[] = [];
  let model: ChannelModel | null = null;
  let closed = false;
  let ready: (() => void) | null = null;
  const firstReady = new Promise<void>((resolve) => (ready = resolve));

  const attach = async (): Promise<void> => {
    const connection = await connect(url);
    connection.on('error', () => undefined);
    connection.on('close', () => {
      model = null;
      if (!closed) setTimeout(() => void reconnect(), 300);
    });
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, EVENT_EXCHANGE, '#');
    await channel.prefetch(100);
    await channel.consume(queue, (message: ConsumeMessage | null) => {
      if (!message) return;
      const event = JSON.parse(message.content.toString('utf8')) as KycCloudEvent;
      if (accept(event)) {
        received.push({ event, routingKey: message.fields.routingKey, messageId: message.properties.messageId as string | undefined, persistent: message.properties.deliveryMode === 2, contentType: message.properties.contentType as string | undefined, receivedAt: Date.now() });
      }
      channel.ack(message);
    });
    model = connection;
    ready?.();
  };
  const reconnect = async (): Promise<void> => {
    while (!closed && !model) {
      try {
        await attach();
      } catch {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  void reconnect();
  await firstReady;
  return {
    received,
    async close() {
      closed = true;
      const current = model as ChannelModel | null;
      if (current) {
        const channel = await current.createChannel().catch(() => null);
        await channel?.deleteQueue(queue).catch(() => undefined);
        await current.close().catch(() => undefined);
      }
    },
  };
}

/** Per subject, the sequence numbers in the order they first arrived (duplicates dropped by id). */
export function firstArrivalsBySubject(messages: readonly ReceivedMessage[]): Map<string, number[]> {
  const seen = new Set<string>();
  const bySubject = new Map<string, number[]>();
  for (const { event } of messages) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    bySubject.set(event.subject, [...(bySubject.get(event.subject) ?? []), event.subjectseq]);
  }
  return bySubject;
}
