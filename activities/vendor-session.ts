import { log } from '@temporalio/activity';
import { type RecordStore } from '../store/records';
import { type WebhookReceiptStore } from '../store/webhook-receipts';
import { type IdentityVendor, issuingCountry, VendorRequestRejected } from '../vendors/identity-vendor';
import { webhookDedupeKey } from '../vendors/veriff/contract';
import { type VendorUpdate } from '../workflows/kyc-verification.contract';
import { nonRetryable } from './failures';

// The identity-verification vendor's side of a verification: open the session of an attempt, and
// ask for a decision whose webhook is overdue.

export function createVendorSessionActivities(deps: { records: RecordStore; receipts: WebhookReceiptStore; vendor: IdentityVendor; frontendUrl: string }) {
  const { records, receipts, vendor } = deps;
  return {
    /** Opens the session of one attempt. A retry after the session was stored returns the stored one: no second session. */
    async openVendorSession(input: { recordId: string; attempt: number }): Promise<{ sessionId: string; sessionUrl: string }> {
      const applicant = await records.sessionApplicant(input.recordId);
      if (applicant.session && applicant.attempt === input.attempt) return { sessionId: applicant.session.id, sessionUrl: applicant.session.url };
      let session;
      try {
        session = await vendor.openSession({
          recordId: applicant.recordId,
          userId: applicant.userId,
          firstName: applicant.firstName,
          lastName: applicant.lastName,
          dateOfBirth: applicant.dateOfBirth,
          documentNumber: applicant.documentNumber,
          documentType: applicant.documentType,
          issuingCountry: issuingCountry(applicant.documentType, applicant.nationality, applicant.country),
          returnUrl: `${deps.frontendUrl}/kyc/records/${applicant.recordId}`,
        });
      } catch (err) {
        if (err instanceof VendorRequestRejected) throw nonRetryable('VendorRequestRejected', err.message, { httpStatus: err.httpStatus, code: err.code, vendor: vendor.name });
        throw err;
      }
      await records.attachSession({ recordId: applicant.recordId, attempt: input.attempt, session });
      return { sessionId: session.id, sessionUrl: session.url };
    },

    /**
     * Asks the vendor for the decision when its webhook is overdue. The answer is stored as a receipt
     * under the webhook's dedupe key, so a webhook arriving later is recognised as a duplicate.
     */
    async fetchVendorDecision(input: { recordId: string; sessionId: string }): Promise<VendorUpdate | null> {
      const fetched = await vendor.fetchDecision(input.sessionId);
      if (!fetched) return null;
      const { decision } = fetched;
      const receipt = await receipts.storePolledDecision({
        recordId: input.recordId,
        sessionId: decision.sessionId,
        attemptId: decision.attemptId,
        status: decision.status,
        dedupeKey: webhookDedupeKey(decision.sessionId, decision.attemptId, decision.status),
        body: fetched.body,
      });
      log.info('decision fetched from the vendor', { recordId: input.recordId, receiptId: receipt.id, status: decision.status });
      return { kind: 'decision', receiptId: receipt.id, sessionId: decision.sessionId, attemptId: decision.attemptId, status: decision.status, reasonCode: decision.reasonCode };
    },
  };
}
