import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type Config } from '../domain/config';
import { type Db } from '../infra/db';
import { type BundledListStatus, ensureBundledLists } from '../screening/bundled';
import { type ScreeningStore } from '../store/screening';
import { screeningRescreen } from '../workflows/screening-monitor';
import { rescreenWorkflowId, screeningCaseSettings } from '../workflows/screening-monitor.contract';

// Starting ongoing screening from outside a workflow: after the bundled lists are loaded at start,
// and after a list is loaded by hand (npm run screening -- load). The daily refresh does the same
// from its workflow; whichever comes first takes the new versions, the other finds none left.

export type RescreenStartConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'SCREENING_HIT_ACTION' | 'KYC_REVIEW_SLA' | 'KYC_ESCALATION_SLA'>;

/** Starts one rescreen for every list version no rescreen has taken yet; its workflow id, or null when none was waiting. */
export async function startPendingRescreen(client: Client, screening: ScreeningStore, config: RescreenStartConfig): Promise<string | null> {
  const versionIds = await screening.versionsAwaitingRescreen();
  if (versionIds.length === 0) return null;
  const workflowId = rescreenWorkflowId(versionIds);
  try {
    await client.workflow.start(screeningRescreen, {
      workflowId,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{ trigger: 'list_update', listVersionIds: versionIds, settings: screeningCaseSettings(config) }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}

/** The bundled lists where a source has none yet (a fresh installation screens out of the box), then their rescreen. */
export async function ensureBundledListsScreened(db: Db, client: Client, screening: ScreeningStore, config: RescreenStartConfig): Promise<{ lists: BundledListStatus[]; rescreenWorkflowId: string | null }> {
  const lists = await ensureBundledLists(db);
  return { lists, rescreenWorkflowId: await startPendingRescreen(client, screening, config) };
}
