import type { RetryPolicy } from '@temporalio/common';
import { type DocumentCheckFailure } from './document-check.contract';
import { type VerificationFailure } from './kyc-verification.contract';
import { type PrivacyFailure } from './privacy.contract';

// Named timeouts and retry policies: one place to read how hard we try before giving up. The
// non-retryable types come from the workflow contract's closed list, so a typo does not compile.

export const ACTIVITY_TIMEOUTS = {
  // A database transaction of ours takes milliseconds; a worker that died holding one is noticed quickly.
  database: '10 seconds',
  vendor: '30 seconds',
  // One webhook POST (KYC_WEBHOOK_DELIVERY_TIMEOUT_MS, at most a minute) and its log rows.
  webhookAttempt: '90 seconds',
  // One rescreen batch: decrypt a page of customers, match them in memory (the first batch also
  // prepares the entries: every entry in force for a full rescreen), record the runs.
  rescreenBatch: '5 minutes',
  // Downloading and loading every configured list; loads of the full lists take minutes.
  listRefresh: '30 minutes',
  // One image downloaded from the vendor (each call has its own VERIFF_TIMEOUT_MS) and stored.
  vendorMedia: '2 minutes',
} as const;

const nonRetryable = (...types: VerificationFailure[]): string[] => types;

// Database work is idempotent and the database comes back: retry for as long as it takes, except
// a write the database refuses for good (e.g. the customer's account no longer exists).
export const DATABASE_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: nonRetryable('RecordRefused'),
};

// The vendor: transient faults (timeouts, 5xx) back off; a 4xx is our bug or bad data, never retried.
export const VENDOR_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 6,
  nonRetryableErrorTypes: nonRetryable('VendorRequestRejected'),
};

// The wallet upgrade retries transient faults a bounded number of times; a refusal (account
// closed) or exhausted retries trigger the compensation of the approval.
export const WALLET_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 10,
  nonRetryableErrorTypes: nonRetryable('WalletUpgradeRefused'),
};

// Deleting a customer's sessions at the vendor: waits out the vendor's rate limit as long as it
// takes (the activity names the wait when our own count of the limit is spent); only a refusal stops.
export const VENDOR_DELETION_RETRY: RetryPolicy = {
  initialInterval: '10 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 hour',
  nonRetryableErrorTypes: ['VendorDeletionRefused'] satisfies PrivacyFailure[],
};

// The document check runs the engine (seconds of CPU, more while OCR workers are busy): a worker
// that died mid-check is retried elsewhere; a document the engine cannot read at all is not.
export const DOCUMENT_CHECK_RETRY: RetryPolicy = {
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '2 minutes',
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['DocumentNotCheckable'] satisfies DocumentCheckFailure[],
};
