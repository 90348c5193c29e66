import { z } from 'zod';
import { type WebhookSubscription } from '../../generated/prisma/client';
import { EVENT_TYPES, eventTypeSchema } from '../../domain/events';
import { type DeliveryWithAttempts } from '../../store/webhook-subscriptions';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { decodeCursor, page, pageQueryShape } from '../pagination';
import { type UseCaseDeps } from '../use-cases/deps';
import {
  createWebhookSubscription,
  deleteWebhookSubscription,
  listWebhookDeliveries,
  redeliverWebhook,
  setWebhookSubscriptionStatus,
} from '../use-cases/manage-webhook-subscriptions';

// Outbound webhook subscriptions: admins register an endpoint for some event types and receive
// its signing secret once; every delivery and every attempt is in the delivery log. The auditor
// reads everything here and changes nothing (api/use-cases/manage-webhook-subscriptions.ts).

const isoDateTime = z.iso.datetime();
const TAGS = ['Webhook subscriptions'] as const;

export const webhookSubscriptionSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  event_types: z.array(eventTypeSchema),
  description: z.string().nullable(),
  status: z.enum(['active', 'paused']).describe('paused: nothing is sent; deliveries wait (within their retry window) until it is resumed'),
  managed_by: z.string().nullable().describe('Set when configuration owns the subscription (KYC_NOTIFY_URL): it cannot be deleted here'),
  created_at: isoDateTime,
  updated_at: isoDateTime,
});

export const createdWebhookSubscriptionSchema = webhookSubscriptionSchema.extend({
  secret: z.string().describe('The signing secret (whsec_...). Shown this once: store it now; it verifies the webhook-signature header'),
});

const createBodySchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2000).describe('The endpoint (http or https); its host must not be private in production'),
  event_types: z
    .array(eventTypeSchema)
    .min(1)
    .refine((types) => new Set(types).size === types.length, 'Each event type once')
    .describe(`Event types to receive, among: ${EVENT_TYPES.join(', ')}`),
  description: z.string().trim().min(1).max(200).optional(),
});

const patchBodySchema = z.strictObject({ status: z.enum(['active', 'paused']).describe('paused: stop sending; active: resume (waiting deliveries go out at once)') });

const subscriptionParams = z.object({ id: z.uuid().describe('Subscription id') });
const deliveryParams = z.object({ id: z.uuid().describe('Subscription id'), deliveryId: z.uuid().describe('Delivery id') });

export const webhookAttemptSchema = z.object({
  started_at: isoDateTime,
  trigger: z.enum(['automatic', 'manual']),
  outcome: z.enum(['delivered', 'http_error', 'timeout', 'network_error', 'refused_address']),
  response_status: z.number().int().nullable().describe('HTTP status the subscriber answered (its body is never kept)'),
  latency_ms: z.number().int(),
  error_code: z.string().nullable().describe('Socket error code when no answer came (ECONNREFUSED, ETIMEDOUT, EADDRFORBIDDEN, ...)'),
});

export const webhookDeliverySchema = z.object({
  id: z.uuid(),
  event_id: z.uuid().describe('The CloudEvent id, also the webhook-id header'),
  event_type: eventTypeSchema,
  status: z.enum(['pending', 'succeeded', 'failed']).describe('failed: given up after the retry window'),
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_attempt_at: isoDateTime.nullable(),
  next_attempt_at: isoDateTime.nullable(),
  completed_at: isoDateTime.nullable(),
  created_at: isoDateTime,
  attempt_log: z.array(webhookAttemptSchema).describe('Every attempt, oldest first'),
});

const deliveryQuerySchema = z.object({ status: z.enum(['pending', 'succeeded', 'failed']).optional(), ...pageQueryShape });

const iso = (date: Date | null) => date?.toISOString() ?? null;

function subscriptionView(s: WebhookSubscription): z.input<typeof webhookSubscriptionSchema> {
  return {
    id: s.id,
    url: s.url,
    event_types: s.eventTypes.filter((t) => eventTypeSchema.safeParse(t).success) as z.input<typeof eventTypeSchema>[],
    description: s.description,
    status: s.status,
    managed_by: s.managedBy,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

function deliveryView(d: DeliveryWithAttempts): z.input<typeof webhookDeliverySchema> {
  return {
    id: d.id,
    event_id: d.outboxEventId,
    event_type: eventTypeSchema.parse(d.eventType),
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_attempt_at: iso(d.lastAttemptAt),
    next_attempt_at: iso(d.nextAttemptAt),
    completed_at: iso(d.completedAt),
    created_at: d.createdAt.toISOString(),
    attempt_log: d.attemptLog.map((a) => ({
      started_at: a.startedAt.toISOString(),
      trigger: a.trigger === 'manual' ? 'manual' : 'automatic',
      outcome: a.outcome,
      response_status: a.responseStatus,
      latency_ms: a.latencyMs,
      error_code: a.errorCode,
    })),
  };
}

export function webhookSubscriptionRoutes(api: ApiRouter, useCases: UseCaseDeps): void {
  const subscriptions = useCases.stores.webhookSubscriptions;

  api.route(
    {
      method: 'post',
      path: '/',
      operationId: 'createWebhookSubscription',
      summary: 'Register a webhook endpoint for some event types; the answer shows its signing secret, once',
      description: 'Deliveries are signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">) and retried with exponential backoff for KYC_WEBHOOK_RETRY_WINDOW (3 days). In production, hosts that resolve to loopback, link-local or private addresses are refused (KYC_WEBHOOK_ALLOW_PRIVATE).',
      tags: TAGS,
      access: ['admin'],
      body: { schema: createBodySchema, example: { url: 'https://hooks.example.com/kyc', event_types: ['KYC_VERIFIED', 'KYC_REJECTED'], description: 'Wallet service' } },
      responses: { 201: { description: 'Registered; the secret is in this answer only', schema: createdWebhookSubscriptionSchema } },
    },
    async (req) => {
      const { subscription, secret } = await createWebhookSubscription(useCases, principalOf(req).userId, { url: req.body.url, eventTypes: req.body.event_types, description: req.body.description });
      return { status: 201, body: { ...subscriptionView(subscription), secret } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/',
      operationId: 'listWebhookSubscriptions',
      summary: 'Webhook subscriptions, newest first (secrets are never shown again)',
      tags: TAGS,
      access: ['admin', 'auditor'],
      query: z.object(pageQueryShape),
      responses: { 200: { description: 'Newest first', schema: z.object({ items: z.array(webhookSubscriptionSchema), next_cursor: z.string().nullable() }) } },
    },
    async (req) => {
      const after = decodeCursor(req.query.cursor);
      const rows = await subscriptions.list({ ...(after ? { after } : {}), limit: req.query.limit });
      const { items, nextCursor } = page(rows, req.query.limit);
      return { status: 200, body: { items: items.map(subscriptionView), next_cursor: nextCursor } };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:id',
      operationId: 'updateWebhookSubscription',
      summary: 'Pause or resume a subscription',
      description: 'While paused nothing is sent; new events still get their deliveries, which wait. On resume, the waiting deliveries are attempted at once.',
      tags: TAGS,
      access: ['admin'],
      params: subscriptionParams,
      body: { schema: patchBodySchema, example: { status: 'paused' } },
      responses: { 200: { description: 'The subscription', schema: webhookSubscriptionSchema } },
    },
    async (req) => {
      const subscription = await setWebhookSubscriptionStatus(useCases, req.params.id, req.body.status);
      return { status: 200, body: subscriptionView(subscription) };
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/:id',
      operationId: 'deleteWebhookSubscription',
      summary: 'Delete a subscription with its deliveries and their log; pending deliveries stop',
      tags: TAGS,
      access: ['admin'],
      params: subscriptionParams,
      problems: ['conflict'],
      responses: { 204: { description: 'Deleted' } },
    },
    async (req) => {
      await deleteWebhookSubscription(useCases, req.params.id);
      return { status: 204 };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log of a subscription: each delivery with every attempt (status code, latency; never response bodies)',
      tags: TAGS,
      access: ['admin', 'auditor'],
      params: subscriptionParams,
      query: deliveryQuerySchema,
      responses: { 200: { description: 'Newest first', schema: z.object({ items: z.array(webhookDeliverySchema), next_cursor: z.string().nullable() }) } },
    },
    async (req) => {
      const rows = await listWebhookDeliveries(useCases, req.params.id, req.query);
      const { items, nextCursor } = page(rows, req.query.limit);
      return { status: 200, body: { items: items.map(deliveryView), next_cursor: nextCursor } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/deliveries/:deliveryId/redeliver',
      operationId: 'redeliverWebhook',
      summary: 'Send a delivery again now (same webhook-id), with a fresh retry window',
      description: 'Works on any delivery: a failed one, a pending one (an attempt now instead of at its next timer), or a succeeded one the subscriber asks for again.',
      tags: TAGS,
      access: ['admin'],
      params: deliveryParams,
      problems: ['conflict'],
      responses: { 202: { description: 'A new attempt is under way', schema: webhookDeliverySchema } },
    },
    async (req) => {
      const delivery = await redeliverWebhook(useCases, req.params.id, req.params.deliveryId);
      return { status: 202, body: deliveryView(delivery) };
    },
  );
}
