import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { RecordStore } from './records';
import { ReviewTaskStore } from './review-tasks';
import { ScreeningStore } from './screening';
import { WalletStore } from './wallets';
import { WebhookReceiptStore } from './webhook-receipts';

// The stores over PostgreSQL, built once per process (worker, API) from the database and the PII cipher.
export interface Stores {
  records: RecordStore;
  reviewTasks: ReviewTaskStore;
  receipts: WebhookReceiptStore;
  wallets: WalletStore;
  screening: ScreeningStore;
}

export function createStores(db: Db, cipher: PiiCipher, now: () => Date = () => new Date()): Stores {
  return {
    records: new RecordStore(db, cipher, now),
    reviewTasks: new ReviewTaskStore(db, cipher, now),
    receipts: new WebhookReceiptStore(db, cipher, now),
    wallets: new WalletStore(db, now),
    screening: new ScreeningStore(db, cipher, now),
  };
}
