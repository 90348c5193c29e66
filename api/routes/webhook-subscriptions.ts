import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { type Prisma, type WebhookDelivery, type WebhookDeliveryAttempt, type WebhookSubscription } from '../../generated/prisma/client';
import { type Config } from '../../domain/config';
import { EVENT_TYPES, eventTypeSchema } from '../../domain/events';
import { webhookDeliveryWorkflowId, webhookRetryPolicy } from '../../domain/webhooks';
import { WebhookDispatcher } from '../../events/dispatch';
import { generateWebhookSecret } from '../../events/signing';
import { addressPolicy, checkSubscriberUrl } from '../../events/ssrf-guard';
import { type PiiCipher } from '../../infra/crypto';
import { type Db } from '../../infra/db';
import { attemptNowSignal } from '../../workflows/webhook-delivery.contract';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { afterCursor, decodeCursor, page, pageQueryShape } from '../pagination';
import { Problem } from '../problem';

// Outbound webhook subscriptions: admins register an endpoint for some event types and receive
// its signing secret once; every delivery and every attempt is in the delivery log. The auditor
// reads everything here and changes nothing.

export interface WebhookSubscriptionDeps {
  db: Db;
  temporal: Client;
  cipher: PiiCipher;
  config: Config;
}

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

function deliveryView(d: WebhookDelivery & { attemptLog: WebhookDeliveryAttempt[] }): z.input<typeof webhookDeliverySchema> {
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

const ATTEMPT_LOG = { attemptLog: { orderBy: { startedAt: 'asc' } } } as const satisfies Prisma.WebhookDeliveryInclude;

export function webhookSubscriptionRoutes(api: ApiRouter, deps: WebhookSubscriptionDeps): void {
  const { db, cipher, temporal, config } = deps;
  const policy = addressPolicy(config);
  const dispatcher = new WebhookDispatcher({ db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(config) });

  async function findSubscription(id: string): Promise<WebhookSubscription> {
    const subscription = await db.webhookSubscription.findUnique({ where: { id } });
    if (!subscription) throw new Problem('not_found', 'No such webhook subscription');
    return subscription;
  }

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
      const verdict = await checkSubscriberUrl(req.body.url, policy);
      if (!verdict.ok) throw new Problem('validation_failed', 'See errors for each field', [{ field: 'url', rule: verdict.rule, message: verdict.message }]);
      const secret = generateWebhookSecret();
      const subscription = await db.webhookSubscription.create({
        data: { url: req.body.url, eventTypes: req.body.event_types, description: req.body.description ?? null, secretEnc: cipher.encrypt(secret), createdBy: principalOf(req).userId },
      });
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
      const rows = await db.webhookSubscription.findMany({ where: afterCursor(decodeCursor(req.query.cursor)), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: req.query.limit + 1 });
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
      await findSubscription(req.params.id);
      const subscription = await db.webhookSubscription.update({ where: { id: req.params.id }, data: { status: req.body.status } });
      if (subscription.status === 'active') {
        const waiting = await db.webhookDelivery.findMany({ where: { subscriptionId: subscription.id, status: 'pending', workflowStartedAt: { not: null } }, select: { id: true, generation: true } });
        for (const delivery of waiting) {
          // A delivery whose workflow ended meanwhile needs no wake-up; one still waiting rechecks
          // on its own within the hour should this signal be lost.
          await temporal.workflow
            .getHandle(webhookDeliveryWorkflowId(delivery.id, delivery.generation))
            .signal(attemptNowSignal)
            .catch((err: unknown) => {
              if (!(err instanceof WorkflowNotFoundError)) throw err;
            });
        }
      }
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
      const subscription = await findSubscription(req.params.id);
      if (subscription.managedBy) throw new Problem('conflict', `Managed by configuration (${subscription.managedBy}): unset it to remove this subscription, or pause it`);
      await db.webhookSubscription.deleteMany({ where: { id: subscription.id } });
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
      await findSubscription(req.params.id);
      const where: Prisma.WebhookDeliveryWhereInput = { AND: [{ subscriptionId: req.params.id }, req.query.status ? { status: req.query.status } : {}, afterCursor(decodeCursor(req.query.cursor))] };
      const rows = await db.webhookDelivery.findMany({ where, include: ATTEMPT_LOG, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: req.query.limit + 1 });
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
      const subscription = await findSubscription(req.params.id);
      if (subscription.status === 'paused') throw new Problem('conflict', 'The subscription is paused: resume it first');
      const current = await db.webhookDelivery.findFirst({ where: { id: req.params.deliveryId, subscriptionId: subscription.id } });
      if (!current) throw new Problem('not_found', 'No such delivery');
      // A new generation: its own workflow; a run of the previous one stops at its next attempt.
      const generation = current.generation + 1;
      await db.webhookDelivery.update({ where: { id: current.id }, data: { generation, status: 'pending', completedAt: null, nextAttemptAt: null, workflowStartedAt: null } });
      await dispatcher.startDelivery({ id: current.id, generation }, 'manual');
      const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { id: current.id }, include: ATTEMPT_LOG });
      return { status: 202, body: deliveryView(delivery) };
    },
  );
}
