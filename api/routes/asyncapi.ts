import { z } from 'zod';
import { asyncApiDocument } from '../../events/asyncapi';
import { type ApiRouter } from '../openapi';
import { SERVICE_VERSION } from './health';

// /asyncapi.json: the event contract (RabbitMQ and webhooks), generated from the event catalogue.
export function asyncApiRoute(api: ApiRouter): void {
  const document = asyncApiDocument(SERVICE_VERSION);
  api.route(
    {
      method: 'get',
      path: '/asyncapi.json',
      operationId: 'asyncApiDocument',
      summary: 'The domain events (AsyncAPI 3.0): CloudEvents on RabbitMQ exchange kyc.events and to webhook subscribers',
      tags: ['docs'],
      access: { public: 'the event contract is public; the events themselves reach only the broker and registered subscribers' },
      responses: { 200: { description: 'The AsyncAPI document', schema: z.record(z.string(), z.unknown()) } },
    },
    async () => ({ status: 200, body: document }),
  );
}
