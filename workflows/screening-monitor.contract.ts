import { defineQuery } from '@temporalio/workflow';
import { type Config } from '../domain/config';
import { type ReviewOutcome } from './kyc-review.contract';

// The contract of ongoing sanctions and PEP screening (workflows/screening-monitor.ts): the list
// refresh that the daily schedule starts, the rescreen of every approved customer after a list
// update (against what the new versions added or changed) or periodically (against every entry in
// force), and the case a new hit on an approved customer opens. The schedules, the CLI, `npm
// start`, the API and the tests import this file. No Node APIs here.

export const SCREENING_SCHEDULE_IDS = {
  listRefresh: 'kyc-screening-list-refresh',
  fullRescreen: 'kyc-screening-full-rescreen',
} as const;

/** One rescreen per set of new versions: named after the first of them, so starting it twice starts it once. */
export const rescreenWorkflowId = (listVersionIds: readonly string[]): string => `kyc-screening-rescreen-${[...listVersionIds].sort()[0] ?? 'none'}`;

/** One open case per approved verification: a further hit while it is open joins it (the case file lists every open hit). */
export const screeningCaseWorkflowId = (recordId: string): string => `kyc-screening-case-${recordId}`;

/** The review of a case (a kycReview child of the case workflow). */
export const screeningReviewWorkflowId = (caseWorkflowId: string): string => `${caseWorkflowId}-review`;

/** What a new hit on an approved customer does (SCREENING_HIT_ACTION), and the review's SLAs. */
export interface ScreeningCaseSettings {
  hitAction: Config['SCREENING_HIT_ACTION'];
  reviewSlaSeconds: number;
  escalationSlaSeconds: number;
}

export function screeningCaseSettings(config: Pick<Config, 'SCREENING_HIT_ACTION' | 'KYC_REVIEW_SLA' | 'KYC_ESCALATION_SLA'>): ScreeningCaseSettings {
  return { hitAction: config.SCREENING_HIT_ACTION, reviewSlaSeconds: config.KYC_REVIEW_SLA, escalationSlaSeconds: config.KYC_ESCALATION_SLA };
}

export interface ListRefreshInput {
  settings: ScreeningCaseSettings;
}

export interface ListRefreshResult {
  /** One per configured source: the version in force after the refresh, or why the load was refused. */
  sources: ({ source: string; ok: true; status: 'loaded' | 'unchanged'; versionId: string } | { source: string; ok: false; error: string })[];
  /** The rescreen started for the versions no rescreen had taken yet (bundled, refreshed or loaded by hand). */
  rescreenWorkflowId: string | null;
}

export type RescreenTrigger = 'list_update' | 'periodic';

export interface RescreenProgress {
  /** Approved verifications screened so far. */
  screened: number;
  /** Of them, those with a match no clearance covers. */
  withHits: number;
  /** Review cases opened (a customer whose case is already open gets none). */
  casesOpened: number;
  batches: number;
}

export interface RescreenInput {
  trigger: RescreenTrigger;
  /** list_update: the new versions, whose added and changed entries are screened; periodic: none (every entry in force). */
  listVersionIds: string[];
  settings: ScreeningCaseSettings;
  /** Verifications per batch and batches per run before it continues as new; the defaults suit a hundred thousand customers. */
  batching?: { size: number; perRun: number };
  /** Where a continued run goes on (continue-as-new): after this record id, with the figures so far. */
  resume?: { after: string | null; progress: RescreenProgress };
}

export interface RescreenState extends RescreenProgress {
  trigger: RescreenTrigger;
  listVersionIds: string[];
  /** The last record id screened; the next batch starts after it. */
  after: string | null;
  done: boolean;
}

export interface ScreeningCaseInput {
  recordId: string;
  settings: ScreeningCaseSettings;
}

export interface ScreeningCaseResult {
  /** cleared: the verification stands (restriction lifted); confirmed: a list match, the wallet stays restricted. */
  outcome: 'cleared' | 'confirmed';
  decision: ReviewOutcome['decision'];
  reasonCode: ReviewOutcome['reasonCode'];
}

export const rescreenProgressQuery = defineQuery<RescreenState>('rescreenProgress');
