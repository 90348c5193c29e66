import { type VendorDecisionStatus } from '../domain/decision';
import { type KycDocumentType } from '../domain/kyc-application';
import { type ExtractedIdentity } from '../domain/risk';

// The one interface the verification workflow's activities talk to an identity-verification vendor
// through: open a session for an applicant, read a decision (from a webhook we stored or by asking
// the vendor). Each vendor is an adapter in a folder of its own (vendors/veriff/); worker/ picks one.

export interface VendorApplicant {
  recordId: string;
  userId: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  documentNumber: string;
  documentType: KycDocumentType;
  /** Passports and ID cards are issued by the country of nationality; other documents by the country of residence. */
  issuingCountry: string;
  /** Where the vendor sends the customer's browser back when the flow ends. */
  returnUrl: string;
}

export interface VendorSession {
  id: string;
  url: string;
}

/** A decision in vendor-neutral words, with what the vendor read from the document. */
export interface VendorDecision {
  sessionId: string;
  attemptId: string;
  status: VendorDecisionStatus;
  reasonCode: number | null;
  extracted: ExtractedIdentity | null;
  /** The document as the vendor read it (type, number, issuing country, validity), for the reviewers. */
  document: Record<string, string | null> | null;
  riskLabels: string[];
}

/** Which image of the session a media item is, in our words; `other` is not kept. */
export type VendorMediaKind = 'front' | 'back' | 'selfie' | 'other';

/** An image the vendor holds for a session (the document photos, the selfie). */
export interface VendorMediaItem {
  id: string;
  kind: VendorMediaKind;
  /** What the vendor says the type is; the bytes are checked before anything is kept. */
  contentType: string | null;
}

/** The vendor refused the request (a 4xx): retrying cannot help, our data or integration is wrong. */
export class VendorRequestRejected extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly code: string | number | null,
  ) {
    super(message);
    this.name = 'VendorRequestRejected';
  }
}

export interface IdentityVendor {
  readonly name: string;
  /** Opens a session; throws VendorRequestRejected for a refusal, any other error for a transient fault. */
  openSession(applicant: VendorApplicant): Promise<VendorSession>;
  /** Asks the vendor for the session's decision; null while there is none. `body` is what to keep as the receipt. */
  fetchDecision(sessionId: string): Promise<{ decision: VendorDecision; body: unknown } | null>;
  /** Reads a decision from the body of a stored receipt (a webhook, or a fetched decision). */
  readDecision(body: unknown): VendorDecision;
  /**
   * Asks the vendor to delete its copy of a session (the customer's erasure, the end of retention):
   * 'not_found' when it has none; VendorRequestRejected for a refusal; any other error is transient
   * (the vendor's rate limit among them).
   */
  deleteSession(sessionId: string): Promise<'deleted' | 'not_found'>;
  /** The images the vendor holds for a decided session, best first (none when the images are ours already). */
  listMedia(sessionId: string): Promise<VendorMediaItem[]>;
  /** One image's bytes; throws VendorRequestRejected when the vendor refuses, any other error for a transient fault. */
  downloadMedia(mediaId: string, maxBytes: number): Promise<Buffer>;
}

export function issuingCountry(documentType: KycDocumentType, nationality: string, country: string): string {
  return documentType === 'passport' || documentType === 'id_card' ? nationality : country;
}
