import { WorkflowNotFoundError } from '@temporalio/client';
import { type RingKeyUsage } from '../../domain/privacy';
import type { keyRotation } from '../../workflows/privacy';
import { KEY_ROTATION_WORKFLOW_TYPE, keyRotationProgressQuery, keyRotationWorkflowId, type KeyRotationProgress } from '../../workflows/privacy.contract';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// Key rotation without downtime: after a new key is put first in KYC_PII_KEYS (and every process
// restarted with it), the keyRotation workflow re-seals service-key data under subjects' keys and
// re-wraps data keys and secrets under the new key in the background; the usage report says when an
// older key protects nothing any more and can leave the ring.

const ROTATION_BATCH = 500;

export async function startKeyRotation(deps: Pick<UseCaseDeps, 'temporal' | 'config' | 'logger'>): Promise<{ workflowId: string; progress: KeyRotationProgress }> {
  const workflowId = keyRotationWorkflowId(deps.config.TEMPORAL_TASK_QUEUE);
  // One rotation at a time: asking while one runs attaches to it; after one finished, a new one starts.
  const handle = await deps.temporal.workflow
    .start<typeof keyRotation>(KEY_ROTATION_WORKFLOW_TYPE, { workflowId, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, args: [{ batch: ROTATION_BATCH }], workflowIdConflictPolicy: 'USE_EXISTING' })
    .catch((err: Error) => {
      deps.logger.error('could not start the key rotation', { error: err.name });
      throw new Problem('upstream_unavailable', 'The workflow service is unavailable; retry in a minute');
    });
  deps.logger.info('key rotation started', { workflowId, runId: handle.firstExecutionRunId });
  return { workflowId, progress: await handle.query(keyRotationProgressQuery) };
}

export async function keyRotationProgress(deps: Pick<UseCaseDeps, 'temporal' | 'config'>): Promise<KeyRotationProgress> {
  try {
    return await deps.temporal.workflow.getHandle(keyRotationWorkflowId(deps.config.TEMPORAL_TASK_QUEUE)).query(keyRotationProgressQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Problem('not_found', 'No key rotation has run');
    throw err;
  }
}

export async function ringKeyUsage(deps: Pick<UseCaseDeps, 'stores'>): Promise<RingKeyUsage[]> {
  return deps.stores.keyRotation.usage();
}
