import { type Client } from '@temporalio/client';
import { type DocumentCheckSettings, type OcrLane } from '../../document-check';
import { type Config } from '../../domain/config';
import { type WebhookDispatcher } from '../../events/dispatch';
import { type AddressPolicy } from '../../events/ssrf-guard';
import { type Logger } from '../../infra/logger';
import { type PgRateLimiter } from '../../infra/rate-limiter';
import { type Stores } from '../../store';
import { type VendorDelivery } from './deliver-vendor-update';

/** What the use cases work with: the stores, Temporal (every change to a verification goes through its workflow), settings, the clock. */
export interface UseCaseDeps {
  stores: Stores;
  temporal: Client;
  config: Config;
  logger: Logger;
  rateLimiter: PgRateLimiter;
  now: () => Date;
  /** Outbound webhooks: starts delivery workflows, and the rule for subscriber addresses (built once from the configuration). */
  webhooks: { dispatcher: WebhookDispatcher; addressPolicy: AddressPolicy };
  /** The document-check engine as POST /api/v1/verify runs it in this process: its lane of the process's OCR pool and the thresholds. */
  documentCheck: { ocr: OcrLane; settings: DocumentCheckSettings };
  /** The webhook inbox: a stored vendor webhook is handed to its workflow after the answer (api/vendor-update-inbox.ts). */
  vendorUpdates: { hand(delivery: VendorDelivery): void };
}
