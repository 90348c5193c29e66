import { log } from '@temporalio/activity';
import { type AlertDraft } from '../domain/alerts';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { raiseAlerts } from '../store/alerts';
import { OUTBOX_ROW_SELECT, toCloudEvent } from '../events/envelope';
import { signWebhook } from '../events/signing';
import { type AddressPolicy } from '../events/ssrf-guard';
import { postWebhook } from '../events/webhook-http';

// The I/O of the webhookDelivery workflow: one signed POST per attempt, logged (status, latency,
// response code, never the response body), and the giving up with its ops alert.

export interface WebhookDeliveryDeps {
  db: Db;
  cipher: PiiCipher;
  addressPolicy: AddressPolicy;
  timeoutMs: number;
  now: () => Date;
}

export type AttemptVerdict = 'delivered' | 'failed' | 'paused' | 'superseded';

/** One alert per failing subscription; each given-up delivery counts as an occurrence. */
export const webhookFailureConditionKey = (subscriptionId: string) => `webhook_delivery_failed:${subscriptionId}`;

export function createWebhookDeliveryActivities(deps: WebhookDeliveryDeps) {
  const { db, cipher, now } = deps;

  return {
    async attemptWebhookDelivery(input: { deliveryId: string; generation: number; trigger: 'automatic' | 'manual'; nextAttemptAt: string | null }): Promise<AttemptVerdict> {
      const delivery = await db.webhookDelivery.findUnique({
        where: { id: input.deliveryId },
        include: { subscription: true, outboxEvent: { select: OUTBOX_ROW_SELECT } },
      });
      // Deleted with its subscription, or redelivered since (a newer generation runs).
      if (!delivery || delivery.generation !== input.generation) return 'superseded';
      // A retried activity whose first run delivered and recorded it.
      if (delivery.status === 'succeeded') return 'delivered';
      if (delivery.subscription.status === 'paused') return 'paused';

      const { body, contentType } = toCloudEvent(delivery.outboxEvent);
      const startedAt = now();
      const signed = signWebhook(cipher.decrypt(delivery.subscription.secretEnc), delivery.outboxEventId, body, startedAt);
      const result = await postWebhook({ url: delivery.subscription.url, headers: { 'content-type': contentType, ...signed }, body, timeoutMs: deps.timeoutMs, policy: deps.addressPolicy });
      const delivered = result.outcome === 'delivered';
      await db.$transaction([
        db.webhookDeliveryAttempt.create({
          data: { deliveryId: delivery.id, trigger: input.trigger, startedAt, latencyMs: result.latencyMs, outcome: result.outcome, responseStatus: result.responseStatus, errorCode: result.errorCode },
        }),
        db.webhookDelivery.updateMany({
          where: { id: delivery.id, generation: input.generation },
          data: {
            attempts: { increment: 1 },
            lastStatusCode: result.responseStatus,
            lastAttemptAt: startedAt,
            ...(delivered ? { status: 'succeeded', completedAt: now(), nextAttemptAt: null } : { nextAttemptAt: input.nextAttemptAt ? new Date(input.nextAttemptAt) : null }),
          },
        }),
      ]);
      const fields = { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, eventId: delivery.outboxEventId, eventType: delivery.eventType, outcome: result.outcome, responseStatus: result.responseStatus, errorCode: result.errorCode, latencyMs: result.latencyMs };
      if (delivered) {
        log.info('webhook delivered', fields);
        // The subscriber is back: its alert, if any, is over.
        await db.opsAlert.updateMany({ where: { conditionKey: webhookFailureConditionKey(delivery.subscriptionId) }, data: { resolvedAt: now(), conditionKey: null } });
      } else {
        log.warn('webhook attempt failed', fields);
      }
      return delivered ? 'delivered' : 'failed';
    },

    // The retry window is over: the delivery is failed (an admin may redeliver it) and ops are
    // alerted, unless an admin had paused the subscription (nothing was attempted: no incident).
    async giveUpWebhookDelivery(input: { deliveryId: string; generation: number }): Promise<void> {
      const delivery = await db.webhookDelivery.findUnique({ where: { id: input.deliveryId }, include: { subscription: { select: { id: true, status: true } } } });
      if (!delivery || delivery.generation !== input.generation || delivery.status !== 'pending') return;
      await db.webhookDelivery.updateMany({ where: { id: delivery.id, generation: input.generation, status: 'pending' }, data: { status: 'failed', completedAt: now(), nextAttemptAt: null } });
      if (delivery.subscription.status === 'paused') {
        log.info('webhook delivery given up while its subscription is paused', { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId });
        return;
      }
      const draft: AlertDraft = {
        kind: 'webhook_delivery_failed',
        severity: 'critical',
        conditionKey: webhookFailureConditionKey(delivery.subscriptionId),
        details: { subscriptionId: delivery.subscriptionId, deliveryId: delivery.id, eventId: delivery.outboxEventId, eventType: delivery.eventType, attempts: delivery.attempts, lastStatusCode: delivery.lastStatusCode },
      };
      const [raised] = await raiseAlerts(db, [draft]);
      log.error('ops alert raised', { alert: draft.kind, alertId: raised?.id, severity: draft.severity, conditionKey: draft.conditionKey, deliveryId: delivery.id, isNew: raised?.isNew });
    },
  };
}
