import { type VendorDecisionStatus } from '../domain/decision';

// The contract of the document-check workflow (workflows/document-check.ts): the local vendor's
// side of one session. A customer's upload of the front of their document starts it; it tells the
// verification the document was submitted, runs the document-check engine in the worker, and
// delivers the decision to the verification exactly as a vendor webhook does (a stored receipt,
// then the vendorUpdate signal with ids and codes only). No Node APIs here.

export const DOCUMENT_CHECK_WORKFLOW_TYPE = 'documentCheck';

/** One check per vendor session: a second upload of the front while it runs finds this one. */
export const documentCheckWorkflowId = (sessionId: string): string => `document-check-${sessionId}`;

/** Ids only: the image and the details stay in the store. */
export interface DocumentCheckInput {
  recordId: string;
  sessionId: string;
  attempt: number;
  /** The front of the document, as uploaded. */
  documentId: string;
  /** The verification the decision is delivered to. */
  verification: { workflowId: string; runId: string };
  /** How long one run of the engine may take before it is retried (KYC_DOCUMENT_CHECK_TIMEOUT). */
  checkTimeoutSeconds: number;
}

export interface DocumentCheckOutcome {
  checkId: string;
  status: VendorDecisionStatus;
  /** false when the verification had ended before the decision reached it (the receipt is kept, marked late). */
  delivered: boolean;
}

/** The vendor-side attempt id of a local session: one attempt per session. */
export const localAttemptId = (attempt: number): string => `attempt-${attempt}`;

/** Failure types of the check's activities: the image or the submission cannot be checked at all (retrying cannot help). */
export const DOCUMENT_CHECK_FAILURES = ['DocumentNotCheckable'] as const;
export type DocumentCheckFailure = (typeof DOCUMENT_CHECK_FAILURES)[number];
