import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { type KycStatus } from '../../domain/status';
import { type KycRecord } from '../../generated/prisma/client';
import { type Logger } from '../../infra/logger';
import { retryUpdate } from '../../workflows/kyc-verification';
import { Problem } from '../problem';

export interface RetriedVerification {
  recordId: string;
  status: KycStatus;
  reason: string;
  nextAction: string;
  sessionUrl: string | null;
}

// After Veriff asks for a resubmission: a new attempt with a new session in the same workflow,
// capped by KYC_MAX_RETRIES. Shared by seed 000's and seed 003's retry endpoints.
export async function retryVerification(deps: { temporal: Client; logger: Logger }, record: Pick<KycRecord, 'id' | 'status' | 'workflowId' | 'workflowRunId'>): Promise<RetriedVerification> {
  if (record.status !== 'resubmission_required') {
    throw new Problem('conflict', `A retry is possible only when a resubmission is required; this verification is ${record.status}`);
  }
  const handle = deps.temporal.workflow.getHandle(record.workflowId, record.workflowRunId);
  const result = await handle.executeUpdate(retryUpdate).catch((err: Error) => {
    if (err instanceof WorkflowUpdateFailedError) throw new Problem('conflict', err.cause?.message ?? 'The retry was refused');
    if (err instanceof WorkflowNotFoundError) throw new Problem('conflict', 'This verification has ended; start a new one');
    deps.logger.error('could not deliver the retry to the workflow', { recordId: record.id, error: err.name });
    throw new Problem('upstream_unavailable', 'The verification service is temporarily unavailable; retry in a minute');
  });
  if (result.status === 'error') throw new Problem('upstream_unavailable', result.reason, undefined, { record_id: result.recordId, next_action: result.nextAction });
  return { recordId: result.recordId, status: result.status, reason: result.reason, nextAction: result.nextAction, sessionUrl: result.sessionUrl };
}
