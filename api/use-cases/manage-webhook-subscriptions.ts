import { WorkflowNotFoundError } from '@temporalio/client';
import { type WebhookDeliveryStatus, type WebhookSubscription, type WebhookSubscriptionStatus } from '../../generated/prisma/client';
import { webhookDeliveryWorkflowId } from '../../domain/webhooks';
import { generateWebhookSecret } from '../../events/signing';
import { checkSubscriberUrl } from '../../events/ssrf-guard';
import { type DeliveryWithAttempts } from '../../store/webhook-subscriptions';
import { attemptNowSignal } from '../../workflows/webhook-delivery.contract';
import { decodeCursor } from '../pagination';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// Outbound webhook subscriptions as admins manage them: registration behind the SSRF guard with a
// secret shown once, pause and resume (resuming wakes the waiting deliveries), deletion, the
// delivery log and manual redelivery.

type Deps = Pick<UseCaseDeps, 'stores' | 'temporal' | 'webhooks'>;

export interface NewWebhookSubscription {
  url: string;
  eventTypes: string[];
  description?: string;
}

export async function findWebhookSubscription(deps: Pick<Deps, 'stores'>, id: string): Promise<WebhookSubscription> {
  const subscription = await deps.stores.webhookSubscriptions.find(id);
  if (!subscription) throw new Problem('not_found', 'No such webhook subscription');
  return subscription;
}

/** Refused (as a field error on url) when the host is not allowed; the secret is returned this once, only its ciphertext is kept. */
export async function createWebhookSubscription(deps: Deps, createdBy: string, input: NewWebhookSubscription): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const verdict = await checkSubscriberUrl(input.url, deps.webhooks.addressPolicy);
  if (!verdict.ok) throw new Problem('validation_failed', 'See errors for each field', [{ field: 'url', rule: verdict.rule, message: verdict.message }]);
  const secret = generateWebhookSecret();
  const subscription = await deps.stores.webhookSubscriptions.create({ url: input.url, eventTypes: input.eventTypes, description: input.description ?? null, secret, createdBy });
  return { subscription, secret };
}

/** Pause or resume. On resume the deliveries waiting for their next attempt are signalled to try now. */
export async function setWebhookSubscriptionStatus(deps: Deps, id: string, status: WebhookSubscriptionStatus): Promise<WebhookSubscription> {
  await findWebhookSubscription(deps, id);
  const subscription = await deps.stores.webhookSubscriptions.setStatus(id, status);
  if (subscription.status === 'active') {
    const waiting = await deps.stores.webhookSubscriptions.waitingDeliveries(subscription.id);
    for (const delivery of waiting) {
      // A delivery whose workflow ended meanwhile needs no wake-up; one still waiting rechecks
      // on its own within the hour should this signal be lost.
      await deps.temporal.workflow
        .getHandle(webhookDeliveryWorkflowId(delivery.id, delivery.generation))
        .signal(attemptNowSignal)
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    }
  }
  return subscription;
}

/** Refused for a subscription that configuration owns. */
export async function deleteWebhookSubscription(deps: Deps, id: string): Promise<void> {
  const subscription = await findWebhookSubscription(deps, id);
  if (subscription.managedBy) throw new Problem('conflict', `Managed by configuration (${subscription.managedBy}): unset it to remove this subscription, or pause it`);
  await deps.stores.webhookSubscriptions.delete(subscription.id);
}

/** One page of a subscription's delivery log (limit + 1 rows); an unknown subscription is answered before a bad cursor. */
export async function listWebhookDeliveries(deps: Deps, subscriptionId: string, query: { status?: WebhookDeliveryStatus; cursor?: string; limit: number }): Promise<DeliveryWithAttempts[]> {
  await findWebhookSubscription(deps, subscriptionId);
  const after = decodeCursor(query.cursor);
  return deps.stores.webhookSubscriptions.listDeliveries({ subscriptionId, ...(query.status ? { status: query.status } : {}), ...(after ? { after } : {}), limit: query.limit });
}

/** Any delivery again, now, under the same webhook-id: a new generation with its own workflow and a fresh retry window. */
export async function redeliverWebhook(deps: Deps, subscriptionId: string, deliveryId: string): Promise<DeliveryWithAttempts> {
  const subscription = await findWebhookSubscription(deps, subscriptionId);
  if (subscription.status === 'paused') throw new Problem('conflict', 'The subscription is paused: resume it first');
  const current = await deps.stores.webhookSubscriptions.findDelivery(subscription.id, deliveryId);
  if (!current) throw new Problem('not_found', 'No such delivery');
  const renewed = await deps.stores.webhookSubscriptions.renewDelivery(current);
  await deps.webhooks.dispatcher.startDelivery(renewed, 'manual');
  return deps.stores.webhookSubscriptions.delivery(current.id);
}
