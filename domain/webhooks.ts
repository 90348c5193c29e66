import { type Config } from './config';

// How hard a webhook delivery tries: exponential backoff with jitter, within a retry window.
// Pure, so the delivery workflow computes its timers deterministically.

export interface WebhookRetryPolicy {
  /** Delay after the first failed attempt; doubles after each further one. */
  initialIntervalMs: number;
  /** No delay grows beyond this. */
  maximumIntervalMs: number;
  /** From the first attempt: after this, the delivery is given up (and an admin may redeliver it). */
  windowMs: number;
}

export function webhookRetryPolicy(config: Pick<Config, 'KYC_WEBHOOK_RETRY_INITIAL_MS' | 'KYC_WEBHOOK_RETRY_MAX_INTERVAL' | 'KYC_WEBHOOK_RETRY_WINDOW'>): WebhookRetryPolicy {
  return {
    initialIntervalMs: config.KYC_WEBHOOK_RETRY_INITIAL_MS,
    maximumIntervalMs: config.KYC_WEBHOOK_RETRY_MAX_INTERVAL * 1000,
    windowMs: config.KYC_WEBHOOK_RETRY_WINDOW * 1000,
  };
}

// FNV-1a over the text, as a fraction in [0, 1).
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x100000000;
}

/**
 * Delay before the attempt that follows `failures` failed ones: the exponential step, of which a
 * random-looking half is kept ("equal jitter"). The jitter is drawn from the delivery and the
 * attempt number rather than from a random source, so that replaying the workflow gives the same
 * timers while the deliveries that failed together (a subscriber down) spread their retries.
 */
export function webhookRetryDelayMs(policy: WebhookRetryPolicy, failures: number, seed: string): number {
  const step = Math.min(policy.maximumIntervalMs, policy.initialIntervalMs * 2 ** Math.min(failures, 40));
  return Math.round(step / 2 + (step / 2) * unitHash(`${seed}:${failures}`));
}

/** Where the delivery workflow of one delivery generation runs; a redelivery is a new generation. */
export function webhookDeliveryWorkflowId(deliveryId: string, generation: number): string {
  return `webhook-delivery-${deliveryId}-${generation}`;
}
