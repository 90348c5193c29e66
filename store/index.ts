import { type PiiCipher } from '../infra/crypto';
import { createDb, type Db } from '../infra/db';
import { type Logger } from '../infra/logger';
import { PersonalData } from './personal-data';
import { KeyRotationStore } from './key-rotation';
import { type PersonalDataHolder, PrivacyStore } from './privacy';
import { RetentionStore } from './retention';
import { documentPersonalData, DocumentStore } from './documents';
import { RecordStore } from './records';
import { ReviewTaskStore } from './review-tasks';
import { SecurityEventStore } from './security-events';
import { ServiceAccountStore } from './service-accounts';
import { UserStore } from './users';
import { SubjectKeyStore } from './subject-keys';
import { ScreeningStore, screeningPersonalData } from './screening';
import { WalletStore } from './wallets';
import { WebhookReceiptStore } from './webhook-receipts';
import { WebhookSubscriptionStore } from './webhook-subscriptions';

// The stores over PostgreSQL, built once per process (worker, API) from the database, the service
// cipher and the key store (the database holding customers' data keys).
export interface Stores {
  personalData: PersonalData;
  privacy: PrivacyStore;
  retention: RetentionStore;
  keyRotation: KeyRotationStore;
  records: RecordStore;
  reviewTasks: ReviewTaskStore;
  receipts: WebhookReceiptStore;
  wallets: WalletStore;
  users: UserStore;
  securityEvents: SecurityEventStore;
  webhookSubscriptions: WebhookSubscriptionStore;
  screening: ScreeningStore;
  documents: DocumentStore;
  serviceAccounts: ServiceAccountStore;
}

export interface StoreOptions {
  /** The service key ring's cipher: wraps data keys, reads ciphertext from before data keys. */
  cipher: PiiCipher;
  /** Where subject_keys lives: the key store database (KYC_KEY_STORE_URL), or the main one. */
  keyStore: Db;
  /** KYC_AML_RETENTION_YEARS. */
  amlRetentionYears: number;
  /**
   * The process's data keys, when another part of the same process already has them (`npm start`
   * runs the API and the worker in one process): one cache of unwrapped keys, so a key the API just
   * made or read is not read again by the worker. By default, one of these stores' own.
   */
  personalData?: PersonalData;
}

/** The data keys of one process: its subjects' keys, unwrapped on use and cached briefly. */
export function processPersonalData(options: Pick<StoreOptions, 'cipher' | 'keyStore'>, now: () => Date = () => new Date()): PersonalData {
  return new PersonalData(new SubjectKeyStore(options.keyStore, options.cipher.ring, now), options.cipher);
}

/**
 * Stores of other personal data (screening results, stored documents) that erasure, AML retention
 * and subject access must reach: one factory each, built over the same database and data keys.
 */
export const PERSONAL_DATA_HOLDERS: readonly ((deps: { db: Db; personalData: PersonalData; now: () => Date }) => PersonalDataHolder)[] = [screeningPersonalData, documentPersonalData];

export function createStores(db: Db, options: StoreOptions, now: () => Date = () => new Date()): Stores {
  const personalData = options.personalData ?? processPersonalData(options, now);
  const holders = PERSONAL_DATA_HOLDERS.map((holder) => holder({ db, personalData, now }));
  const privacy = new PrivacyStore(db, personalData, { amlRetentionYears: options.amlRetentionYears }, holders, now);
  return {
    personalData,
    privacy,
    retention: new RetentionStore(db, personalData, privacy, now),
    keyRotation: new KeyRotationStore(db, personalData, options.cipher),
    records: new RecordStore(db, options.cipher, personalData, now),
    reviewTasks: new ReviewTaskStore(db, personalData, now),
    receipts: new WebhookReceiptStore(db, personalData, now),
    wallets: new WalletStore(db, now),
    users: new UserStore(db),
    securityEvents: new SecurityEventStore(db),
    webhookSubscriptions: new WebhookSubscriptionStore(db, options.cipher),
    screening: new ScreeningStore(db, personalData, options.cipher, now),
    documents: new DocumentStore(db, options.cipher, personalData),
    serviceAccounts: new ServiceAccountStore(db, now),
  };
}

/** The key store's database client: its own when KYC_KEY_STORE_URL names one, else the main database's. */
export function keyStoreDb(config: { KYC_KEY_STORE_URL?: string | undefined }, mainDb: Db, logger?: Logger): Db {
  return config.KYC_KEY_STORE_URL ? createDb(config.KYC_KEY_STORE_URL, 2, logger) : mainDb;
}
