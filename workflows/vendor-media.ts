import { proxyActivities } from '@temporalio/workflow';
import type { KycActivities } from '../activities';
import { ACTIVITY_TIMEOUTS, VENDOR_RETRY } from './policies';
import { type VendorMediaInput, type VendorMediaOutcome } from './vendor-media.contract';

// A decided session's images, fetched from the vendor one by one (each a retried activity that
// finds its own earlier work: an image is stored once per vendor media id) and kept sealed.

const { listVendorMedia, keepVendorMedia } = proxyActivities<KycActivities>({ startToCloseTimeout: ACTIVITY_TIMEOUTS.vendorMedia, retry: VENDOR_RETRY });

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
