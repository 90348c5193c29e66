import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { documentCheck } from '../../workflows/document-check';
import { DOCUMENT_CHECK_WORKFLOW_TYPE, documentCheckWorkflowId } from '../../workflows/document-check.contract';
import { type KycRecord } from '../../store/records';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// With the local vendor, the front of the document starts the session's check: one documentCheck
// workflow per vendor session. A second front while it runs joins it; after it ended, the session
// has its decision and a new photo needs a new attempt (a retry).

export type CheckStart = 'started' | 'already_checked' | 'not_applicable';

/** Local sessions are named by the local vendor (vendors/local/vendor.ts). */
const isLocalSession = (sessionId: string | null): sessionId is string => sessionId?.startsWith('local-') ?? false;

export async function startDocumentCheck(deps: Pick<UseCaseDeps, 'temporal' | 'config' | 'logger'>, record: KycRecord, documentId: string): Promise<CheckStart> {
  if (deps.config.KYC_VENDOR !== 'local' || !isLocalSession(record.veriffSessionId)) return 'not_applicable';
  const sessionId = record.veriffSessionId;
  try {
    await deps.temporal.workflow.start<typeof documentCheck>(DOCUMENT_CHECK_WORKFLOW_TYPE, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: documentCheckWorkflowId(sessionId),
      args: [{ recordId: record.id, sessionId, attempt: record.attempt, documentId, verification: { workflowId: record.workflowId, runId: record.workflowRunId }, checkTimeoutSeconds: deps.config.KYC_DOCUMENT_CHECK_TIMEOUT }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    deps.logger.info('document check started', { recordId: record.id, documentId });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_checked';
    deps.logger.error('could not start the document check', { recordId: record.id, error: (err as Error).name });
    throw new Problem('upstream_unavailable', 'The document is stored but its check could not start; upload the same file again in a minute');
  }
}
