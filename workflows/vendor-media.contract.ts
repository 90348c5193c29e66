// The contract of the vendor-media workflow (workflows/vendor-media.ts): once a vendor decided a
// session, its images (document front and back, selfie) are fetched from the vendor and kept,
// sealed, for the reviewers. Started by the decision's webhook receipt, once per session (its id).
// No Node APIs here.

export const VENDOR_MEDIA_WORKFLOW_TYPE = 'fetchVendorMedia';

export const vendorMediaWorkflowId = (sessionId: string): string => `vendor-media-${sessionId}`;

/**
 * The task queue the media workflows run on, beside the verifications' own: its worker's
 * local-activity slots wait on the vendor's downloads, never the verifications' database steps.
 */
export const vendorMediaTaskQueue = (taskQueue: string): string => `${taskQueue}-media`;

export interface VendorMediaInput {
  recordId: string;
  sessionId: string;
}

export interface VendorMediaOutcome {
  /** Images kept (new or kept before by an earlier run). */
  kept: number;
  /** Items the vendor listed that are not an image we accept (a video, a broken file): left out. */
  refused: number;
}
