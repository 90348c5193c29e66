import { defineQuery } from '@temporalio/workflow';
import { type RetentionCounts, type RetentionPolicy, type RingKeyUsage } from '../domain/privacy';

export type { RingKeyUsage } from '../domain/privacy';

// The contract of the privacy workflows (workflows/privacy.ts): a customer's erasure, the deletion
// of their sessions at the identity vendor, the retention schedule's run, and the key rotation.
// Their inputs and results carry ids and counts only, never personal data. No Node APIs here.

export const ERASURE_WORKFLOW_TYPE = 'subjectErasure';
export const KEY_ROTATION_WORKFLOW_TYPE = 'keyRotation';

/** One erasure workflow per request. */
export const erasureWorkflowId = (requestId: string): string => `privacy-erasure-${requestId}`;

/** One key rotation at a time per deployment (its task queue): starting it again while it runs attaches to the running one. */
export const keyRotationWorkflowId = (taskQueue: string): string => `${taskQueue}-key-rotation`;

/** The Temporal Schedule of the retention run (worker/schedules.ts). */
export const RETENTION_SCHEDULE_ID = 'kyc-privacy-retention';

export interface SubjectErasureInput {
  requestId: string;
  userId: string;
}

export interface SubjectErasureResult {
  verificationsCancelled: boolean;
  historiesDeleted: number;
  vendorSessions: number;
  vendorDeleted: number;
  vendorRefused: number;
}

export interface VendorDeletionInput {
  sessionIds: string[];
  /** The erasure request whose progress it records, when it runs for one. */
  requestId?: string;
}

export interface VendorDeletionResult {
  deleted: number;
  notFound: number;
  refused: number;
}

export interface RetentionInput {
  policies: RetentionPolicy[];
  /** Rows per activity call: a run is many short transactions, never one long one. */
  batch: number;
}

export interface RetentionResult {
  removed: RetentionCounts;
  /** Sessions of records whose AML retention ended, handed to a vendorSessionDeletion workflow. */
  vendorSessionsQueued: number;
}

export interface KeyRotationInput {
  batch: number;
}

export type KeyRotationStage = 'resealing_service_key_data' | 'rewrapping_data_keys' | 'reencrypting_secrets' | 'done';

export interface KeyRotationProgress {
  stage: KeyRotationStage;
  resealed: number;
  rewrapped: number;
  secrets: number;
  usage: RingKeyUsage[];
}

/** Failure types of the privacy activities. */
export const PRIVACY_FAILURES = [
  // Our own count of the vendor's deletion rate limit is spent: retried when the window opens.
  'VendorDeletionDeferred',
  // The vendor refused the deletion for good (a 4xx other than 404): counted, not retried.
  'VendorDeletionRefused',
] as const;
export type PrivacyFailure = (typeof PRIVACY_FAILURES)[number];

export const erasureProgressQuery = defineQuery<SubjectErasureResult & { stage: 'cancelling' | 'erasing' | 'deleting_histories' | 'deleting_vendor_sessions' | 'done' }>('erasureProgress');
export const keyRotationProgressQuery = defineQuery<KeyRotationProgress>('keyRotationProgress');
