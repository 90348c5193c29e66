import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { type DocumentCheckInput, type DocumentCheckOutcome } from './document-check.contract';
import { vendorUpdateSignal, type VendorUpdate } from './kyc-verification.contract';
import { ACTIVITY_TIMEOUTS, DATABASE_RETRY, DOCUMENT_CHECK_RETRY } from './policies';

// The local vendor's session after the customer uploaded the front of the document: announce the
// submission to the verification, run the engine, deliver its decision. Each delivery is the
// vendor-webhook path in miniature: the receipt is stored first (by the activity), then signalled,
// then closed as processed, or as late when the verification has ended.

const { announceDocumentSubmitted, closeVendorReceipt } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.database, retry: DATABASE_RETRY });

export async function documentCheck(input: DocumentCheckInput): Promise<DocumentCheckOutcome> {
  const { runDocumentCheck } = proxyActivities<KycActivities>({ startToCloseTimeout: `${input.checkTimeoutSeconds} seconds`, retry: DOCUMENT_CHECK_RETRY });
  const verification = getExternalWorkflowHandle(input.verification.workflowId, input.verification.runId);

  const deliver = async (update: VendorUpdate): Promise<boolean> => {
    try {
      await verification.signal(vendorUpdateSignal, update);
    } catch (err) {
      // Signalling a verification that has ended fails for good: the receipt says so.
      log.warn('the verification had ended before the document check reached it', { recordId: input.recordId, receiptId: update.receiptId, error: (err as Error).name });
      await closeVendorReceipt({ receiptId: update.receiptId, recordId: input.recordId, outcome: 'late' });
      return false;
    }
    await closeVendorReceipt({ receiptId: update.receiptId, recordId: input.recordId, outcome: 'processed' });
    return true;
  };

  await deliver(await announceDocumentSubmitted(input));
  const decision = await runDocumentCheck(input);
  const delivered = await deliver(decision.update);
  return { checkId: decision.checkId, status: decision.update.status, delivered };
}
