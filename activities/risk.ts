import { assessRisk, type RiskAssessment } from '../domain/risk';
import { type RecordStore } from '../store/records';
import { type WebhookReceiptStore } from '../store/webhook-receipts';
import { type IdentityVendor } from '../vendors/identity-vendor';

// Screening and scoring after the vendor's decision: the decision (kept encrypted in its receipt)
// against what the customer submitted, by the rules of domain/risk.ts.

export function createRiskActivities(deps: { records: RecordStore; receipts: WebhookReceiptStore; vendor: IdentityVendor; settings: { reviewThreshold: number; highRiskCountries: readonly string[] } }) {
  const { records, receipts, vendor, settings } = deps;
  return {
    /** Scores the decision; stores the score, its reasons and the extracted data (encrypted) for the reviewers. */
    async assessRisk(input: { recordId: string; receiptId: string; attempt: number }): Promise<RiskAssessment> {
      const decision = vendor.readDecision(await receipts.body(input.receiptId));
      const context = await records.riskContext(input.recordId);
      const assessment = assessRisk({
        submitted: context.submitted,
        extracted: decision.extracted,
        vendorAskedForReview: decision.status === 'review',
        vendorRiskLabels: decision.riskLabels,
        duplicateDocumentOnOtherCustomers: context.duplicateDocumentOnOtherCustomers,
        highRiskCountries: settings.highRiskCountries,
        reviewThreshold: settings.reviewThreshold,
      });
      await records.saveRiskAssessment({ recordId: input.recordId, attempt: input.attempt, assessment, extracted: { identity: decision.extracted, document: decision.document, riskLabels: decision.riskLabels } });
      return assessment;
    },
  };
}
