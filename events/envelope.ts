import { CloudEvent } from 'cloudevents';
import { CLOUDEVENTS_CONTENT_TYPE, EventCatalogueError, isEventType, parseEventData, type KycCloudEvent } from '../domain/events';
import { type Db } from '../infra/db';
import { type OutboxRow, quarantineOutboxEvent } from '../store/outbox';

export { OUTBOX_ROW_SELECT, type OutboxRow } from '../store/outbox';

// The one place an outbox row becomes a CloudEvent (structured mode, JSON), for RabbitMQ and for
// webhooks alike. The cloudevents SDK checks the envelope, the catalogue checks `data`.

export interface EncodedEvent {
  event: KycCloudEvent;
  /** The structured-mode body, application/cloudevents+json. */
  body: string;
  contentType: string;
}

export function toCloudEvent(row: OutboxRow): EncodedEvent {
  if (!isEventType(row.type)) throw new EventCatalogueError(`event type ${JSON.stringify(row.type.slice(0, 60))} is not in the catalogue`);
  if (row.subject === null || row.subjectSeq === null) throw new EventCatalogueError(`${row.type} has no subject`);
  const data = parseEventData(row.type, row.data);
  const event = new CloudEvent({
    specversion: '1.0',
    id: row.id,
    source: row.source,
    type: row.type,
    subject: row.subject,
    subjectseq: row.subjectSeq,
    time: row.createdAt.toISOString(),
    datacontenttype: 'application/json',
    data,
  });
  const body = event.toString();
  // The SDK's toJSON() lists unset attributes as undefined: the parsed body is the event as sent.
  return { event: JSON.parse(body) as KycCloudEvent, body, contentType: CLOUDEVENTS_CONTENT_TYPE };
}

/**
 * Sets aside a row the catalogue refuses: it would otherwise block or break every consumer. It
 * stays in the table (counted as unpublished) with the reason, which names fields, never values.
 */
export async function quarantine(db: Db, id: string, err: unknown): Promise<void> {
  const reason = err instanceof EventCatalogueError ? err.message : 'not a valid CloudEvent';
  await quarantineOutboxEvent(db, id, reason);
}
