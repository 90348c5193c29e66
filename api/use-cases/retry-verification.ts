import { passportVerificationStatus, type KycStatus } from '../../domain/status';
import { type KycRecord } from '../../store/records';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { retryUpdate, type VerificationFailure } from '../../workflows/kyc-verification.contract';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { startVerification } from './start-verification';
import { failedSessionProblem, verificationCallProblem } from './verification-problems';

// How long a retry waits for a workflow catching up with its record, and how often it asks.
const CATCH_UP_MS = 30_000;
const CATCH_UP_PAUSE_MS = 1_000;

export interface RetriedVerification {
  recordId: string;
  status: KycStatus;
  reason: string;
  nextAction: string;
  sessionUrl: string | null;
  /** True when the retry started a new verification (a new record) rather than a new attempt of this one. */
  restarted: boolean;
}

/**
 * After the vendor (or a reviewer) asked for a resubmission: a new attempt with a new session in
 * the same workflow, capped by KYC_MAX_RETRIES. Shared by every API family's retry endpoint.
 */
export async function retryVerification(deps: Pick<UseCaseDeps, 'temporal' | 'logger' | 'stores'>, record: Pick<KycRecord, 'id' | 'status' | 'workflowId' | 'workflowRunId'>): Promise<RetriedVerification> {
  if (record.status !== 'resubmission_required') {
    throw new Problem('conflict', `A retry is possible only when a resubmission is required; this verification is ${record.status}`);
  }
  const handle = deps.temporal.workflow.getHandle(record.workflowId, record.workflowRunId);
  // The record the customer read can be ahead of the workflow for a few seconds: a worker that
  // died after writing the status (a local activity) leaves the next worker to catch up from
  // history. While the record still asks for a resubmission, a refusal is that lag: asked again.
  const deadline = Date.now() + CATCH_UP_MS;
  let result;
  for (;;) {
    try {
      result = await handle.executeUpdate(retryUpdate);
      break;
    } catch (err) {
      const refusedAsNotRequired = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === ('RetryNotAllowed' satisfies VerificationFailure);
      if (refusedAsNotRequired && Date.now() < deadline && (await deps.stores.records.get(record.id))?.status === 'resubmission_required') {
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_PAUSE_MS));
        continue;
      }
      throw verificationCallProblem(err as Error, deps.logger, { recordId: record.id });
    }
  }
  if (result.status === 'error') throw failedSessionProblem(result);
  return { recordId: result.recordId, status: result.status, reason: result.reason, nextAction: result.nextAction, sessionUrl: result.sessionUrl, restarted: false };
}

/**
 * The passport-verification API's retry: a new attempt when a resubmission is required; a new
 * verification from the details already submitted when it expired or failed for a technical
 * reason (rate limited like a start); refused when it was declined or has nothing to retry.
 */
export async function retryOrRestartVerification(deps: UseCaseDeps, principal: Principal, record: KycRecord, clientIp: string): Promise<RetriedVerification> {
  if (record.status === 'resubmission_required') return retryVerification(deps, record);
  if (record.status === 'expired' || record.status === 'error') {
    const started = await startVerification(deps, principal, await deps.stores.records.submittedApplication(record), clientIp);
    return { recordId: started.recordId, status: started.status, reason: started.reason, nextAction: started.nextAction, sessionUrl: started.sessionUrl, restarted: started.created };
  }
  if (record.status === 'rejected') throw new Problem('conflict', 'This verification was declined; retrying the same details would be declined again. Contact support.');
  throw new Problem('conflict', `Nothing to retry: this verification is ${passportVerificationStatus(record.status)}`);
}
