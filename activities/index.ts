import { type Config } from '../domain/config';
import { type Db } from '../infra/db';
import { type PiiCipher } from '../infra/crypto';
import { type VeriffClient } from '../infra/veriff/client';
import { type WebhookDispatcher } from '../events/dispatch';
import { type AddressPolicy } from '../events/ssrf-guard';
import { createNotificationActivities } from './notifications';
import { createRecordActivities } from './records';
import { createReviewActivities } from './review';
import { createRiskActivities } from './risk';
import { createVeriffActivities } from './veriff-session';
import { createWalletActivities } from './wallet';
import { createWebhookDeliveryActivities } from './webhook-delivery';

export interface ActivityDeps {
  db: Db;
  cipher: PiiCipher;
  veriff: VeriffClient;
  webhooks: WebhookDispatcher;
  addressPolicy: AddressPolicy;
  config: Pick<Config, 'FRONTEND_URL' | 'KYC_RISK_REVIEW_THRESHOLD' | 'KYC_HIGH_RISK_COUNTRIES' | 'KYC_WEBHOOK_DELIVERY_TIMEOUT_MS'>;
  now?: () => Date;
}

// The one place the worker wires I/O into activities; workflows import only this factory's type.
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    ...createRecordActivities(deps.db, deps.cipher, now),
    ...createVeriffActivities(deps.db, deps.cipher, deps.veriff, deps.config.FRONTEND_URL),
    ...createWalletActivities(deps.db, now),
    ...createNotificationActivities(deps.webhooks),
    ...createRiskActivities(deps.db, deps.cipher, { reviewThreshold: deps.config.KYC_RISK_REVIEW_THRESHOLD, highRiskCountries: deps.config.KYC_HIGH_RISK_COUNTRIES }),
    ...createReviewActivities(deps.db, deps.cipher, now),
    ...createWebhookDeliveryActivities({ db: deps.db, cipher: deps.cipher, addressPolicy: deps.addressPolicy, timeoutMs: deps.config.KYC_WEBHOOK_DELIVERY_TIMEOUT_MS, now }),
  };
}
