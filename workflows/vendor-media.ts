import { proxyLocalActivities } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { ACTIVITY_TIMEOUTS, VENDOR_RETRY } from './policies';
import { type VendorMediaInput, type VendorMediaOutcome } from './vendor-media.contract';

// A decided session's images, fetched from the vendor one by one (each a retried step that finds
// its own earlier work: an image is stored once per vendor media id) and kept sealed.
// The steps are local activities: a session has one to three images of a few hundred kilobytes,
// seconds of work in all, so the workflow runs in one workflow task with the steps' results
// recorded as markers, instead of a round through the server per step. A worker that dies
// meanwhile runs them again on replay, which the per-media-id dedupe makes harmless. They run on
// a task queue of their own (vendorMediaTaskQueue), whose worker has its own local-activity slots:
// a slow vendor holds those, never the slots of the verifications' database steps.
// (This workflow is in no release yet: no running history of a release meets the change.)

const { listVendorMedia, keepVendorMedia } = proxyLocalActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.vendorMedia, retry: VENDOR_RETRY });

export async function fetchVendorMedia(input: VendorMediaInput): Promise<VendorMediaOutcome> {
  const items = await listVendorMedia({ sessionId: input.sessionId });
  const outcome: VendorMediaOutcome = { kept: 0, refused: 0 };
  for (const item of items) {
    const kept = await keepVendorMedia({ recordId: input.recordId, item });
    if (kept === 'kept') outcome.kept += 1;
    else outcome.refused += 1;
  }
  return outcome;
}
