import { defineSignal } from '@temporalio/workflow';
import { type WebhookRetryPolicy } from '../domain/webhooks';

// The contract of the webhook-delivery workflow (workflows/webhook-delivery.ts): one event to one
// subscription, retried until delivered or the window ends. No Node APIs here.

export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDelivery';

export interface WebhookDeliveryInput {
  deliveryId: string;
  generation: number;
  /** How the first attempt is logged: automatic, or manual (an admin's redelivery). */
  trigger: 'automatic' | 'manual';
  policy: WebhookRetryPolicy;
}

export type WebhookDeliveryResult = 'delivered' | 'failed' | 'superseded';

/** Attempt now instead of at the next timer (sent when a paused subscription is resumed). */
export const attemptNowSignal = defineSignal('attemptNow');
