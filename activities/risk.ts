import { log } from '@temporalio/activity';
import { assessRisk, type RiskAssessment } from '../domain/risk';
import { riskCodeOfKind, screeningIdentitiesOf } from '../domain/screening';
import { type Db } from '../infra/db';
import { screenIdentities } from '../screening/screen-person';
import { type RecordStore } from '../store/records';
import { type ScreeningStore } from '../store/screening';
import { type WebhookReceiptStore } from '../store/webhook-receipts';
import { type IdentityVendor } from '../vendors/identity-vendor';

// Screening and scoring after the vendor's decision: the applicant is screened against the
// sanctions and PEP lists in force under every identity known of them (as submitted, as the
// vendor read the document), then the decision (kept encrypted in its receipt) is compared with
// what the customer submitted, by the rules of domain/risk.ts. The run is stored with the
// assessment, every time, hit or not.

export interface RiskSettings {
  reviewThreshold: number;
  highRiskCountries: readonly string[];
  /** SCREENING_MATCH_THRESHOLD */
  screeningThreshold: number;
}

export function createRiskActivities(deps: { db: Db; records: RecordStore; screening: ScreeningStore; receipts: WebhookReceiptStore; vendor: IdentityVendor; settings: RiskSettings }) {
  const { db, records, screening, receipts, vendor, settings } = deps;
  return {
    /** Screens and scores the decision; stores the score, its reasons, the screening and the extracted data (encrypted) for the reviewers. */
    async assessRisk(input: { recordId: string; receiptId: string; attempt: number }): Promise<RiskAssessment> {
      // Two independent reads at once: this step is on every decision's path to the customer's answer.
      const [body, context] = await Promise.all([receipts.body(input.receiptId), records.riskContext(input.recordId)]);
      const decision = vendor.readDecision(body);
      const screened = await screenIdentities(db, screeningIdentitiesOf({ submitted: context.submitted, extracted: decision.extracted }), { threshold: settings.screeningThreshold });
      // Ids and counts only: the identities screened are personal data.
      if (screened.listVersionIds.length === 0) log.warn('screened against no list: no list version is loaded yet', { recordId: input.recordId });
      const matches = screened.hits.filter((hit) => hit.match);
      const cleared = await screening.clearedEntryIds(context.userId, matches);
      const open = matches.filter((hit) => !cleared.has(hit.entryId));
      const assessment = assessRisk({
        submitted: context.submitted,
        extracted: decision.extracted,
        vendorAskedForReview: decision.status === 'review',
        vendorRiskLabels: decision.riskLabels,
        duplicateDocumentOnOtherCustomers: context.duplicateDocumentOnOtherCustomers,
        listMatches: {
          sanctions: open.filter((hit) => riskCodeOfKind(hit.kind) === 'SANCTIONS_HIT').length,
          pep: open.filter((hit) => riskCodeOfKind(hit.kind) === 'PEP_HIT').length,
        },
        highRiskCountries: settings.highRiskCountries,
        reviewThreshold: settings.reviewThreshold,
      });
      await records.saveRiskAssessment({
        recordId: input.recordId,
        attempt: input.attempt,
        assessment,
        extracted: { identity: decision.extracted, document: decision.document, riskLabels: decision.riskLabels },
        screening: { subjectId: context.userId, hits: screened.hits, listVersionIds: screened.listVersionIds, threshold: screened.threshold },
      });
      return assessment;
    },
  };
}
