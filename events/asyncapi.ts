import { z } from 'zod';
import { CLOUDEVENTS_CONTENT_TYPE, cloudEventSchema, EVENT_SOURCES, EVENT_TYPES, eventDataSchemas } from '../domain/events';
import { EVENT_EXCHANGE } from './relay';

// The AsyncAPI 3.0 document of the domain events, generated from the catalogue's zod schemas
// (as api/openapi.ts generates /openapi.json from the endpoint declarations), so the contract
// consumers read is the one the relay enforces. Payload schemas are JSON Schema draft-07, the
// dialect AsyncAPI's default schema format builds on.

type JsonObject = Record<string, unknown>;

function payloadSchema(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

const DESCRIPTION = [
  'Domain events of the KYC verification service, as CloudEvents 1.0 in structured mode (application/cloudevents+json).',
  `Published to the RabbitMQ topic exchange \`${EVENT_EXCHANGE}\` with the event type as routing key (bind a queue with \`#\` for all, or with the types you need), as persistent messages, by the outbox relay with publisher confirms.`,
  'Delivery is at least once: a message may arrive again after a relay or broker restart, with the same CloudEvent `id` (also the AMQP message-id). Consumers deduplicate on `id`.',
  'Events of one verification (`subject`) are published in the order they happened; `subjectseq` numbers them 1, 2, 3, ... without gaps, so a consumer can restore the order and notice a missing one.',
  '`data` holds ids, statuses, reason codes and times, never personal data.',
  'The same envelopes are POSTed to webhook subscribers (Standard Webhooks signatures: webhook-id = the CloudEvent id, webhook-timestamp, webhook-signature).',
].join('\n\n');

export function asyncApiDocument(version: string): JsonObject {
  const messageRefs = Object.fromEntries(EVENT_TYPES.map((type) => [type, { $ref: `#/components/messages/${type}` }]));
  return {
    asyncapi: '3.0.0',
    info: { title: 'KYC verification service events', version, description: DESCRIPTION },
    defaultContentType: CLOUDEVENTS_CONTENT_TYPE,
    servers: {
      rabbitmq: { host: 'rabbitmq:5672', protocol: 'amqp', protocolVersion: '0-9-1', description: 'The broker named by KYC_EVENT_BROKER_URL (docker-compose: service rabbitmq).' },
    },
    channels: {
      kycEvents: {
        address: EVENT_EXCHANGE,
        title: 'KYC domain events',
        description: `Topic exchange \`${EVENT_EXCHANGE}\`; routing key = event type.`,
        servers: [{ $ref: '#/servers/rabbitmq' }],
        messages: messageRefs,
        bindings: { amqp: { is: 'routingKey', exchange: { name: EVENT_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' }, bindingVersion: '0.3.0' } },
      },
    },
    operations: {
      publishKycEvents: {
        action: 'send',
        title: 'The outbox relay publishes domain events',
        channel: { $ref: '#/channels/kycEvents' },
        messages: EVENT_TYPES.map((type) => ({ $ref: `#/channels/kycEvents/messages/${type}` })),
        bindings: { amqp: { deliveryMode: 2, mandatory: false, bindingVersion: '0.3.0' } },
      },
    },
    components: {
      messages: Object.fromEntries(
        EVENT_TYPES.map((type) => [
          type,
          {
            name: type,
            title: type,
            summary: eventDataSchemas[type].description ?? type,
            contentType: CLOUDEVENTS_CONTENT_TYPE,
            payload: { $ref: `#/components/schemas/${type}` },
            bindings: { amqp: { contentEncoding: 'utf-8', messageType: type, bindingVersion: '0.3.0' } },
            'x-cloudevents-source': EVENT_SOURCES[type],
          },
        ]),
      ),
      schemas: Object.fromEntries(EVENT_TYPES.map((type) => [type, payloadSchema(cloudEventSchema(type))])),
    },
  };
}
