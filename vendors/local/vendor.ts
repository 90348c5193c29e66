import { randomUUID } from 'node:crypto';
import { type IdentityVendor, type VendorApplicant, type VendorDecision, type VendorMediaItem, VendorRequestRejected, type VendorSession } from '../identity-vendor';
import { localDecisionSchema } from './contract';

// The self-hosted vendor (KYC_VENDOR=local): the session is our own upload page, the customer's
// photos are ours from the start, and the document-check engine decides. The decision does not
// come by webhook: the documentCheck workflow (started by the upload) stores it as the session's
// receipt and signals the verification exactly as a webhook would. Nothing leaves this service.

export class LocalVendor implements IdentityVendor {
  readonly name = 'local';

  /** `uploadPage` is where the customer uploads the document of a record (our own page). */
  constructor(private readonly uploadPage: (recordId: string) => string) {}

  async openSession(applicant: VendorApplicant): Promise<VendorSession> {
    return { id: `local-${randomUUID()}`, url: this.uploadPage(applicant.recordId) };
  }

  // The decision is delivered by the check itself as soon as it exists; there is nothing to ask for.
  async fetchDecision(): Promise<null> {
    return null;
  }

  readDecision(body: unknown): VendorDecision {
    const decision = localDecisionSchema.parse(body);
    return {
      sessionId: decision.sessionId,
      attemptId: decision.attemptId,
      status: decision.status,
      reasonCode: decision.reasonCode,
      extracted: decision.extracted,
      document: decision.document,
      riskLabels: [],
    };
  }

  // Nothing is held anywhere else: the customer's images and the check's findings are in our own
  // document store, which the erasure reaches (store/documents.ts, its personal-data holder).
  async deleteSession(): Promise<'not_found'> {
    return 'not_found';
  }

  // The images were uploaded to us and are stored already.
  async listMedia(): Promise<VendorMediaItem[]> {
    return [];
  }

  async downloadMedia(): Promise<Buffer> {
    throw new VendorRequestRejected('the local vendor holds no media of its own: uploads are stored when they arrive', null, null);
  }
}
