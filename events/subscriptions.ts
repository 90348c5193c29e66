import { type Config } from '../domain/config';
import { EVENT_TYPES } from '../domain/events';
import { type WebhookSubscriptionStore } from '../store/webhook-subscriptions';
import { generateWebhookSecret } from './signing';

// The customer notifications (KYC_NOTIFY_URL): the subscription configuration owns, every event
// type, its secret KYC_NOTIFY_SECRET or one generated once (store/webhook-subscriptions.ts).

export async function ensureConfiguredSubscription(subscriptions: WebhookSubscriptionStore, config: Pick<Config, 'KYC_NOTIFY_URL' | 'KYC_NOTIFY_SECRET'>): Promise<string | null> {
  return subscriptions.ensureConfigured({ url: config.KYC_NOTIFY_URL, secret: config.KYC_NOTIFY_SECRET, eventTypes: EVENT_TYPES, newSecret: generateWebhookSecret });
}
