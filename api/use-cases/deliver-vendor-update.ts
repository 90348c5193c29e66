import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { type VendorDecisionStatus } from '../../domain/decision';
import { classifyWebhook, type ClassifiedWebhook } from '../../vendors/veriff/contract';
import { vendorUpdateSignal, type VendorUpdate } from '../../workflows/kyc-verification.contract';
import type { fetchVendorMedia } from '../../workflows/vendor-media';
import { VENDOR_MEDIA_WORKFLOW_TYPE, vendorMediaTaskQueue, vendorMediaWorkflowId } from '../../workflows/vendor-media.contract';
import { SubjectErased } from '../../store/personal-data';
import { PersonalDataUnavailable } from '../../store/restricted-access';
import { type DueReceipt } from '../../store/webhook-receipts';
import { type UseCaseDeps } from './deps';

// A stored vendor webhook handed to its verification: the signal (ids and codes only) and the start
// of the workflow that keeps the session's images; the caller then closes the receipt (the inbox
// closes those it delivered together, one statement for many). Every step is
// idempotent (the workflow keeps one update per fact, the images workflow is started once per
// session), so a receipt handed over twice (its lease ran out while the first try was slow, the
// process died between the signal and the close) has one effect.

/** A stored receipt and where it goes. */
export interface VendorDelivery {
  receiptId: string;
  recordId: string;
  workflowId: string;
  workflowRunId: string;
  update: VendorUpdate;
}

type DeliveryDeps = Pick<UseCaseDeps, 'stores' | 'temporal' | 'config' | 'logger'>;

// Decisions after which Veriff holds the applicant's photos (expired and abandoned sessions have none worth keeping).
const DECISIONS_WITH_MEDIA: readonly VendorDecisionStatus[] = ['approved', 'declined', 'resubmission_requested', 'review'];

/** What the verification workflow is told of a webhook: no personal data, only ids and codes. */
export function vendorUpdateOf(webhook: Exclude<ClassifiedWebhook, { kind: 'unknown' }>, receiptId: string): VendorUpdate {
  if (webhook.kind === 'decision') {
    const { id: sessionId, attemptId, status, reasonCode } = webhook.payload.verification;
    return { kind: 'decision', receiptId, sessionId, attemptId: attemptId ?? '', status, reasonCode: reasonCode ?? null };
  }
  const { id: sessionId, attemptId, action } = webhook.payload;
  return { kind: 'event', receiptId, sessionId, attemptId: attemptId ?? '', action };
}

/**
 * Hands one receipt to its workflow: 'processed' (for the caller to close), or 'late' (closed
 * here: the workflow has ended). Throws when Temporal cannot be reached: the receipt stays
 * unprocessed and its lease brings it back to the redelivery loop.
 */
export async function deliverVendorUpdate(deps: DeliveryDeps, delivery: VendorDelivery): Promise<'processed' | 'late'> {
  const { stores, temporal, config, logger } = deps;
  const { receiptId, recordId, update } = delivery;
  try {
    await temporal.workflow.getHandle(delivery.workflowId, delivery.workflowRunId).signal(vendorUpdateSignal, update);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The verification ended in between (expired, decided): kept and flagged.
    await stores.receipts.close(receiptId, 'late', recordId);
    logger.warn('webhook arrived after its verification ended', { receiptId, recordId });
    return 'late';
  }
  if (update.kind === 'decision' && DECISIONS_WITH_MEDIA.includes(update.status)) {
    try {
      await temporal.workflow.start<typeof fetchVendorMedia>(VENDOR_MEDIA_WORKFLOW_TYPE, {
        taskQueue: vendorMediaTaskQueue(config.TEMPORAL_TASK_QUEUE),
        workflowId: vendorMediaWorkflowId(update.sessionId),
        args: [{ recordId, sessionId: update.sessionId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return 'processed';
}

/**
 * A due receipt as a delivery again: its verification's workflow from the record, the update
 * from the stored body (the decision's reason code is only there). Null, and the receipt closed,
 * when there is nothing to deliver to: the record or the body is gone (the customer was erased), or
 * the record is kept restricted (nothing of it is processed any more).
 */
export async function redeliveryOf(deps: DeliveryDeps, due: DueReceipt): Promise<VendorDelivery | null> {
  const record = await deps.stores.records.get(due.kycRecordId);
  const body = record ? await deps.stores.receipts.body(due.id).catch((err: unknown) => (err instanceof SubjectErased || err instanceof PersonalDataUnavailable ? null : Promise.reject(err))) : null;
  const webhook = body === null ? null : classifyWebhook(body);
  if (!record || !webhook || webhook.kind === 'unknown') {
    await deps.stores.receipts.close(due.id, 'late', record?.id);
    return null;
  }
  return { receiptId: due.id, recordId: record.id, workflowId: record.workflowId, workflowRunId: record.workflowRunId, update: vendorUpdateOf(webhook, due.id) };
}
