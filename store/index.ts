import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { DocumentStore } from './documents';
import { RecordStore } from './records';
import { ReviewTaskStore } from './review-tasks';
import { SecurityEventStore } from './security-events';
import { ServiceAccountStore } from './service-accounts';
import { UserStore } from './users';
import { WalletStore } from './wallets';
import { WebhookReceiptStore } from './webhook-receipts';
import { WebhookSubscriptionStore } from './webhook-subscriptions';

// The stores over PostgreSQL, built once per process (worker, API) from the database and the PII cipher.
export interface Stores {
  records: RecordStore;
  reviewTasks: ReviewTaskStore;
  receipts: WebhookReceiptStore;
  wallets: WalletStore;
  users: UserStore;
  securityEvents: SecurityEventStore;
  webhookSubscriptions: WebhookSubscriptionStore;
  documents: DocumentStore;
  serviceAccounts: ServiceAccountStore;
}

export function createStores(db: Db, cipher: PiiCipher, now: () => Date = () => new Date()): Stores {
  return {
    records: new RecordStore(db, cipher, now),
    reviewTasks: new ReviewTaskStore(db, cipher, now),
    receipts: new WebhookReceiptStore(db, cipher, now),
    wallets: new WalletStore(db, now),
    users: new UserStore(db),
    securityEvents: new SecurityEventStore(db),
    webhookSubscriptions: new WebhookSubscriptionStore(db, cipher),
    documents: new DocumentStore(db, cipher),
    serviceAccounts: new ServiceAccountStore(db, now),
  };
}
