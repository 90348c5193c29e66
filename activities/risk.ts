import { listGapAlerts } from '../domain/alerts';
import { assessRisk, type RiskAssessment } from '../domain/risk';
import { riskCodeOfKind, type ScreeningSource, screeningIdentitiesOf } from '../domain/screening';
import { type Db } from '../infra/db';
import { listsInForce } from '../screening/lists';
import { screenIdentities } from '../screening/screen-person';
import { raiseAlerts } from '../store/alerts';
import { type RecordStore } from '../store/records';
import { type ScreeningStore } from '../store/screening';
import { type WebhookReceiptStore } from '../store/webhook-receipts';
import { type IdentityVendor } from '../vendors/identity-vendor';
import { type ReviewScreening } from '../workflows/kyc-review.contract';

// Screening and scoring after the vendor's decision: the applicant is screened against the
// sanctions and PEP lists in force under every identity known of them (as submitted, as the
// vendor read the document), then the decision (kept encrypted in its receipt) is compared with
// what the customer submitted, by the rules of domain/risk.ts. The run is stored with the
// assessment, every time, hit or not. Screening fails closed: a required list not in force, or
// older than its maximum age, holds the case in review (SCREENING_INCOMPLETE) and raises a
// critical alert; an earlier match of the customer (cleared or not) never lets the rules alone
// approve (PRIOR_LIST_HIT).

export interface RiskSettings {
  reviewThreshold: number;
  highRiskCountries: readonly string[];
  /** SCREENING_MATCH_THRESHOLD */
  screeningThreshold: number;
  /** SCREENING_REQUIRED_SOURCES */
  requiredSources: readonly ScreeningSource[];
  /** SCREENING_MAX_LIST_AGE_HOURS, per required source (config.ts maxListAgeHours). */
  maxListAgeHours: Partial<Record<ScreeningSource, number>>;
}

export function createRiskActivities(deps: { db: Db; records: RecordStore; screening: ScreeningStore; receipts: WebhookReceiptStore; vendor: IdentityVendor; settings: RiskSettings }) {
  const { db, records, screening, receipts, vendor, settings } = deps;
  const listRule = { required: settings.requiredSources, maxAgeHours: settings.maxListAgeHours };
  return {
    /** Screens and scores the decision; stores the score, its reasons, the screening and the extracted data (encrypted) for the reviewers. */
    async assessRisk(input: { recordId: string; receiptId: string; attempt: number }): Promise<RiskAssessment> {
      // Two independent reads at once: this step is on every decision's path to the customer's answer.
      const [body, context] = await Promise.all([receipts.body(input.receiptId), records.riskContext(input.recordId)]);
      const decision = vendor.readDecision(body);
      const identities = screeningIdentitiesOf({ submitted: context.submitted, extracted: decision.extracted });
      const identityHash = screening.identityHash(identities);
      const [screened, { gaps }, priorListHits] = await Promise.all([
        screenIdentities(db, identities, { threshold: settings.screeningThreshold }),
        listsInForce(db, listRule),
        screening.priorListHits(context.userId),
      ]);
      if (gaps.length) await raiseAlerts(db, listGapAlerts(gaps));
      const matches = screened.hits.filter((hit) => hit.match);
      const cleared = await screening.clearedEntryIds(context.userId, identityHash, matches);
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
        priorListHits,
        screeningGaps: gaps,
        highRiskCountries: settings.highRiskCountries,
        reviewThreshold: settings.reviewThreshold,
      });
      await records.saveRiskAssessment({
        recordId: input.recordId,
        attempt: input.attempt,
        assessment,
        extracted: { identity: decision.extracted, document: decision.document, riskLabels: decision.riskLabels },
        screening: { subjectId: context.userId, hits: screened.hits, listVersionIds: screened.listVersionIds, threshold: screened.threshold, identityHash },
      });
      return assessment;
    },

    /**
     * The screening of a case as its review's approval rule needs it: the case hits and the
     * required lists missing or out of date now. With `rescreen` (a reviewer approving a
     * verification), a case whose last screening did not use the versions now in force of every
     * required list is screened again first, so that an approval never rests on an incomplete
     * screening (new hits are case hits to resolve).
     */
    async caseScreening(input: { recordId: string; rescreen: boolean }): Promise<ReviewScreening> {
      const { inForce, gaps } = await listsInForce(db, listRule);
      if (input.rescreen && gaps.length === 0) {
        const required = inForce.filter((v) => (settings.requiredSources as readonly string[]).includes(v.source)).map((v) => v.id);
        const used = new Set(await screening.lastRunVersions(input.recordId));
        const { userId, status, identity } = await records.identityOf(input.recordId);
        if (status === 'under_review' && required.some((id) => !used.has(id))) {
          const identities = screeningIdentitiesOf(identity);
          const screened = await screenIdentities(db, identities, { threshold: settings.screeningThreshold });
          await screening.recordApprovalScreening({ recordId: input.recordId, subjectId: userId, hits: screened.hits, listVersionIds: screened.listVersionIds, threshold: screened.threshold, identityHash: screening.identityHash(identities) });
        }
      }
      return { hits: await screening.caseHitStates(input.recordId), gaps };
    },
  };
}
