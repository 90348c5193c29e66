import { type PiiCipher } from '../infra/crypto';
import { createDb, type Db } from '../infra/db';
import { PersonalData } from './personal-data';
import { RecordStore } from './records';
import { ReviewTaskStore } from './review-tasks';
import { SubjectKeyStore } from './subject-keys';
import { WalletStore } from './wallets';
import { WebhookReceiptStore } from './webhook-receipts';

// The stores over PostgreSQL, built once per process (worker, API) from the database, the service
// cipher and the key store (the database holding customers' data keys).
export interface Stores {
  personalData: PersonalData;
  records: RecordStore;
  reviewTasks: ReviewTaskStore;
  receipts: WebhookReceiptStore;
  wallets: WalletStore;
}

export interface StoreKeys {
  /** The service key ring's cipher: wraps data keys, reads ciphertext from before data keys. */
  cipher: PiiCipher;
  /** Where subject_keys lives: the key store database (KYC_KEY_STORE_URL), or the main one. */
  keyStore: Db;
}

export function createStores(db: Db, keys: StoreKeys, now: () => Date = () => new Date()): Stores {
  const personalData = new PersonalData(new SubjectKeyStore(keys.keyStore, keys.cipher.ring, now), keys.cipher);
  return {
    personalData,
    records: new RecordStore(db, keys.cipher, personalData, now),
    reviewTasks: new ReviewTaskStore(db, personalData, now),
    receipts: new WebhookReceiptStore(db, personalData, now),
    wallets: new WalletStore(db, now),
  };
}

/** The key store's database client: its own when KYC_KEY_STORE_URL names one, else the main database's. */
export function keyStoreDb(config: { KYC_KEY_STORE_URL?: string | undefined }, mainDb: Db): Db {
  return config.KYC_KEY_STORE_URL ? createDb(config.KYC_KEY_STORE_URL, 2) : mainDb;
}
