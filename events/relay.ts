import { type Client } from '@temporalio/client';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { type Config } from '../domain/config';
import { webhookRetryPolicy } from '../domain/webhooks';
import { type Db } from '../infra/db';
import { type Logger } from '../infra/logger';
import { WebhookDispatcher } from './dispatch';
import { markPublished, unpublishedEvents } from '../store/outbox';
import { quarantine, toCloudEvent } from './envelope';
import { Backoff, OutboxLeader } from './outbox-leader';

// The outbox relay: a process of its own (`npm run relay`; `npm start` runs one inside), not a
// Temporal workflow. Publishing is a stream over one long-lived AMQP connection with publisher
// confirms; as a workflow, every batch would be an activity and a history entry, its latency a
// workflow task away, and an outage of the broker would burn retries and history instead of
// waiting on a socket. What Temporal would add (surviving crashes) the outbox already gives:
// a row is marked published only after the broker confirmed it, so a relay that dies, or a broker
// that goes away, leaves the unconfirmed rows to be published again (at least once; consumers
// deduplicate on the CloudEvent id). One relay at a time holds the leader lock; others wait.
//
// Two loops, each with its own lock and cursor:
//   - broker (when KYC_EVENT_BROKER_URL is set): outbox -> topic exchange kyc.events, routing key
//     = event type, persistent messages, in `position` order (so in order per subject), one batch
//     confirmed before the next is sent;
//   - webhooks (always): outbox -> one delivery per matching subscription, each a webhookDelivery
//     workflow (events/dispatch.ts), plus the start of any delivery whose workflow is missing.

export const EVENT_EXCHANGE = 'kyc.events';

// Advisory lock ids of the two loops (any constants distinct from Prisma's migration lock).
const BROKER_LOCK_ID = 0x6b79_6301;
const WEBHOOK_LOCK_ID = 0x6b79_6302;

export interface RelayOptions {
  db: Db;
  /** The database of `db`: the loops hold their lock and LISTEN on connections of their own. */
  databaseUrl: string;
  logger: Logger;
  /** RabbitMQ; unset: events stay in the outbox and reach webhook subscribers only. */
  brokerUrl?: string;
  /** Webhook fan-out; unset: no webhook loop (a relay that only publishes). */
  dispatcher?: WebhookDispatcher;
  batchSize?: number;
  /** Longest wait between two looks at the outbox when no notification arrives. */
  pollIntervalMs?: number;
}

const DEFAULT_BATCH = 500;
const DEFAULT_POLL_MS = 1000;
const STANDBY_RETRY_MS = 2000;

const errorName = (err: unknown) => (err instanceof Error ? ((err as { code?: unknown }).code ?? err.name) : typeof err);

/** One loop: lead, do a batch, wait for work; on any failure back off and start over. */
abstract class RelayLoop {
  protected readonly leader: OutboxLeader;
  private readonly backoff = new Backoff();
  private stopping = false;
  private running: Promise<void> | null = null;
  private standbyLogged = false;
  private interruptSleep: (() => void) | null = null;

  constructor(
    protected readonly options: RelayOptions,
    lockId: number,
    protected readonly log: Logger,
  ) {
    this.leader = new OutboxLeader(options.databaseUrl, lockId);
  }

  protected get batchSize(): number {
    return this.options.batchSize ?? DEFAULT_BATCH;
  }

  /** Handles one batch; returns how many rows it took (fewer than a batch: the outbox is drained). */
  protected abstract step(): Promise<number>;

  /** Releases what a failed step may have left open (a broken channel). */
  protected async reset(): Promise<void> {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.leader.notify();
    this.interruptSleep?.();
    await this.running;
    await this.reset();
    await this.leader.close();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.leader.tryAcquire())) {
          if (!this.standbyLogged) this.log.info('standing by: another relay holds the lock');
          this.standbyLogged = true;
          await this.leader.waitForWork(STANDBY_RETRY_MS);
          continue;
        }
        this.standbyLogged = false;
        const taken = await this.step();
        if (this.backoff.attempts > 0) this.log.info('recovered', { afterAttempts: this.backoff.attempts });
        this.backoff.reset();
        if (taken < this.batchSize && !this.stopping) await this.leader.waitForWork(this.options.pollIntervalMs ?? DEFAULT_POLL_MS);
      } catch (err) {
        if (this.stopping) break;
        const delayMs = this.backoff.next();
        this.log.warn('failed; retrying', { error: errorName(err), attempt: this.backoff.attempts, delayMs });
        await this.reset();
        if (!this.leader.isLeader) await this.leader.close();
        await this.sleep(delayMs);
      }
    }
  }

  // A backoff is not cut short by new events (they would hammer a broker that is down), only by stop().
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.interruptSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptSleep = done;
    });
  }
}

class BrokerLoop extends RelayLoop {
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private broken = false;

  constructor(
    options: RelayOptions,
    private readonly brokerUrl: string,
    log: Logger,
  ) {
    super(options, BROKER_LOCK_ID, log);
  }

  private async ensureChannel(): Promise<ConfirmChannel> {
    if (this.channel && !this.broken) return this.channel;
    await this.reset();
    const model = await connect(this.brokerUrl, { clientProperties: { connection_name: 'kyc-outbox-relay' } });
    // Without listeners an 'error' would crash the process; the loop notices through `broken`.
    const broke = () => {
      this.broken = true;
      this.leader.notify();
    };
    model.on('error', broke);
    model.on('close', broke);
    this.model = model;
    this.broken = false;
    const channel = await model.createConfirmChannel();
    channel.on('error', broke);
    channel.on('close', broke);
    await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
    this.channel = channel;
    this.log.info('connected to the broker', { exchange: EVENT_EXCHANGE });
    return channel;
  }

  protected override async reset(): Promise<void> {
    const model = this.model;
    this.model = null;
    this.channel = null;
    if (model) await model.close().catch(() => undefined);
  }

  // Waits for the channel's buffer to drain, or for the channel to break.
  private drained(channel: ConfirmChannel): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        channel.off('drain', onDrain);
        channel.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error('channel closed'));
      channel.once('drain', onDrain);
      channel.once('close', onClose);
    });
  }

  protected async step(): Promise<number> {
    const { db } = this.options;
    const channel = await this.ensureChannel();
    const rows = await unpublishedEvents(db, this.batchSize);
    if (rows.length === 0) return 0;
    const ids: string[] = [];
    const confirmations: Promise<void>[] = [];
    for (const row of rows) {
      let body: string;
      try {
        body = toCloudEvent(row).body;
      } catch (err) {
        await quarantine(db, row.id, err);
        this.log.error('outbox event set aside: not in the event catalogue', { eventId: row.id, type: row.type.slice(0, 60) });
        continue;
      }
      ids.push(row.id);
      let writable = true;
      confirmations.push(
        new Promise<void>((resolve, reject) => {
          writable = channel.publish(
            EVENT_EXCHANGE,
            row.type,
            Buffer.from(body),
            { persistent: true, messageId: row.id, type: row.type, contentType: 'application/cloudevents+json', timestamp: Math.floor(row.createdAt.getTime() / 1000), appId: 'kyc-service' },
            (err: unknown) => (err ? reject(err instanceof Error ? err : new Error('broker refused the message')) : resolve()),
          );
        }),
      );
      if (!writable) await this.drained(channel);
    }
    // The broker confirms in order; only the confirmed prefix is marked, so nothing after a refused
    // or lost message overtakes it: the rest is sent again, in order, after the reconnect.
    const results = await Promise.allSettled(confirmations);
    const firstFailure = results.findIndex((r) => r.status === 'rejected');
    const confirmed = firstFailure === -1 ? ids : ids.slice(0, firstFailure);
    await markPublished(db, confirmed);
    if (firstFailure !== -1) {
      this.broken = true;
      throw (results[firstFailure] as PromiseRejectedResult).reason;
    }
    return rows.length;
  }
}

class WebhookLoop extends RelayLoop {
  constructor(
    options: RelayOptions,
    private readonly dispatcher: WebhookDispatcher,
    log: Logger,
  ) {
    super(options, WEBHOOK_LOCK_ID, log);
  }

  protected async step(): Promise<number> {
    const dispatched = await this.dispatcher.dispatch();
    // Deliveries whose workflow never started (a dispatcher stopped between the two steps, a
    // resumed subscription, a redelivery whose API call was cut short).
    await this.dispatcher.startPendingDeliveries();
    return dispatched;
  }
}

export class OutboxRelay {
  private readonly loops: RelayLoop[] = [];

  constructor(options: RelayOptions) {
    if (options.brokerUrl) this.loops.push(new BrokerLoop(options, options.brokerUrl, options.logger.child({ component: 'outbox-relay', sink: 'rabbitmq' })));
    if (options.dispatcher) this.loops.push(new WebhookLoop(options, options.dispatcher, options.logger.child({ component: 'outbox-relay', sink: 'webhooks' })));
  }

  start(): void {
    for (const loop of this.loops) loop.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}

/** The relay a process runs: the broker loop when KYC_EVENT_BROKER_URL is set, the webhook loop always. */
export function createRelay(deps: { config: Config; db: Db; databaseUrl: string; temporal: Client; logger: Logger; pollIntervalMs?: number }): OutboxRelay {
  const { config, db, temporal } = deps;
  return new OutboxRelay({
    db,
    databaseUrl: deps.databaseUrl,
    logger: deps.logger,
    ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    ...(config.KYC_EVENT_BROKER_URL ? { brokerUrl: config.KYC_EVENT_BROKER_URL } : {}),
    dispatcher: new WebhookDispatcher({ db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(config) }),
  });
}
