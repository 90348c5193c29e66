import { log } from '@temporalio/activity';
import { type Db } from '../infra/db';

// CloudEvents 1.0 envelope. `id` is the outbox row id: consumers deduplicate on it.
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: unknown;
}

export interface Notifier {
  send(event: CloudEvent): Promise<void>;
}

// Default channel: a structured log line (outbox data never holds PII).
export class LogNotifier implements Notifier {
  async send(event: CloudEvent): Promise<void> {
    console.log(JSON.stringify({ level: 'info', msg: 'notification', type: event.type, id: event.id, subject: event.subject }));
  }
}

// Posts each event to an HTTP endpoint (KYC_NOTIFY_URL) in CloudEvents structured mode.
export class HttpNotifier implements Notifier {
  constructor(private readonly url: string) {}

  async send(event: CloudEvent): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`notification endpoint answered ${response.status}`);
  }
}

export function createNotificationActivities(db: Db, notifier: Notifier, now: () => Date) {
  return {
    // Sends the record's unpublished outbox events in order. A crash between send and mark makes
    // the next attempt send again with the same id, which the consumer deduplicates.
    async deliverNotifications(input: { recordId: string }): Promise<number> {
      const pending = await db.outboxEvent.findMany({
        where: { kycRecordId: input.recordId, publishedAt: null },
        orderBy: { createdAt: 'asc' },
      });
      for (const event of pending) {
        try {
          await notifier.send({
            specversion: '1.0',
            id: event.id,
            type: event.type,
            source: event.source,
            ...(event.subject ? { subject: event.subject } : {}),
            time: event.createdAt.toISOString(),
            datacontenttype: 'application/json',
            data: event.data,
          });
        } catch (err) {
          await db.outboxEvent.update({ where: { id: event.id }, data: { attempts: { increment: 1 }, lastError: (err as Error).message.slice(0, 500) } });
          throw err;
        }
        await db.outboxEvent.updateMany({ where: { id: event.id, publishedAt: null }, data: { publishedAt: now(), attempts: { increment: 1 } } });
      }
      if (pending.length) log.info('notifications delivered', { recordId: input.recordId, count: pending.length });
      return pending.length;
    },
  };
}
