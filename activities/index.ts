import { type DocumentCheckSettings, type OcrPool } from '../document-check';
import { type Config } from '../domain/config';
import { type Db } from '../infra/db';
import { type WebhookDispatcher } from '../events/dispatch';
import { type AddressPolicy } from '../events/ssrf-guard';
import { type PiiCipher } from '../infra/crypto';
import { type Stores } from '../store';
import { type IdentityVendor } from '../vendors/identity-vendor';
import { createDocumentActivities } from './documents';
import { createNotificationActivities } from './notifications';
import { createRecordActivities } from './records';
import { createReviewActivities } from './review';
import { createRiskActivities } from './risk';
import { createScreeningActivities } from './screening';
import { createVendorSessionActivities } from './vendor-session';
import { createWalletActivities } from './wallet';
import { createWebhookDeliveryActivities } from './webhook-delivery';

export interface ActivityDeps {
  db: Db;
  stores: Stores;
  /** Decrypts the signing secrets of webhook subscriptions. */
  secrets: PiiCipher;
  vendor: IdentityVendor;
  webhooks: WebhookDispatcher;
  addressPolicy: AddressPolicy;
  /** The process's one OCR pool and the engine's thresholds (the local vendor's checks run here). */
  documentCheck: { ocr: OcrPool; settings: DocumentCheckSettings };
  config: Pick<Config, 'FRONTEND_URL' | 'KYC_RISK_REVIEW_THRESHOLD' | 'KYC_HIGH_RISK_COUNTRIES' | 'KYC_WEBHOOK_DELIVERY_TIMEOUT_MS' | 'KYC_DOCUMENT_MAX_BYTES' | 'SCREENING_MATCH_THRESHOLD' | 'SCREENING_SOURCES'>;
  now?: () => Date;
}

// The one place the worker wires I/O into activities; workflows import only this factory's type.
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const { records, reviewTasks, receipts, wallets, screening, documents } = deps.stores;
  const { config } = deps;
  return {
    ...createRecordActivities(records),
    ...createVendorSessionActivities({ records, receipts, vendor: deps.vendor, frontendUrl: config.FRONTEND_URL }),
    ...createRiskActivities({
      db: deps.db,
      records,
      screening,
      receipts,
      vendor: deps.vendor,
      settings: { reviewThreshold: config.KYC_RISK_REVIEW_THRESHOLD, highRiskCountries: config.KYC_HIGH_RISK_COUNTRIES, screeningThreshold: config.SCREENING_MATCH_THRESHOLD },
    }),
    ...createScreeningActivities({ db: deps.db, records, screening, settings: { threshold: config.SCREENING_MATCH_THRESHOLD, sources: config.SCREENING_SOURCES } }),
    ...createDocumentActivities({ records, receipts, documents, vendor: deps.vendor, ...deps.documentCheck, maxBytes: config.KYC_DOCUMENT_MAX_BYTES }),
    ...createWalletActivities(wallets),
    ...createReviewActivities(reviewTasks),
    ...createNotificationActivities(deps.webhooks),
    ...createWebhookDeliveryActivities({ db: deps.db, cipher: deps.secrets, addressPolicy: deps.addressPolicy, timeoutMs: config.KYC_WEBHOOK_DELIVERY_TIMEOUT_MS, now }),
  };
}

export type KycActivities = ReturnType<typeof createActivities>;
