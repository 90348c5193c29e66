import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { webhookRetryDelayMs } from '../domain/webhooks';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY } from './policies';
import { attemptNowSignal, type WebhookDeliveryInput, type WebhookDeliveryResult } from './webhook-delivery.contract';

// One webhook delivery (one event to one subscription), durable across restarts of anything:
// attempt, then back off exponentially with jitter until the subscriber answers 2xx or the retry
// window is over; the last attempt falls on the window's end, after which the delivery is given
// up and ops are alerted. While the subscription is paused nothing is sent and the delivery waits
// (within the same window), woken by the resume. A redelivery by an admin is a new generation: a
// run of an older generation finds itself superseded at its next attempt and ends.

// A resume signals its waiting deliveries; this recheck only covers a signal that was never sent
// (the API stopped in between), so it can be slow.
const PAUSED_RECHECK_MS = 60 * 60_000;

const { giveUpWebhookDelivery } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: DATABASE_RETRY });
const { attemptWebhookDelivery } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.webhookAttempt, retry: DATABASE_RETRY });

export async function webhookDelivery(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { deliveryId, generation, policy } = input;
  let woken = false;
  setHandler(attemptNowSignal, () => {
    woken = true;
  });
  const deadline = Date.now() + policy.windowMs;
  let trigger = input.trigger;
  let failures = 0;
  for (;;) {
    const now = Date.now();
    const final = now >= deadline;
    const retryAt = Math.min(now + webhookRetryDelayMs(policy, failures, `${deliveryId}:${generation}`), deadline);
    const outcome = await attemptWebhookDelivery({ deliveryId, generation, trigger, nextAttemptAt: final ? null : new Date(retryAt).toISOString() });
    if (outcome === 'delivered' || outcome === 'superseded') return outcome;
    if (final) {
      await giveUpWebhookDelivery({ deliveryId, generation });
      return 'failed';
    }
    if (outcome === 'failed') failures += 1;
    trigger = 'automatic';
    woken = false;
    const wait = outcome === 'paused' ? Math.min(PAUSED_RECHECK_MS, deadline - Date.now()) : retryAt - Date.now();
    await condition(() => woken, Math.max(wait, 1));
  }
}
