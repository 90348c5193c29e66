import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What ops filter on in the Temporal UI. Never PII: ids, statuses, country codes, scores.
export const KycStatusKey = defineSearchAttributeKey('KycStatus', SearchAttributeType.KEYWORD);
export const KycCountryKey = defineSearchAttributeKey('KycCountry', SearchAttributeType.KEYWORD);
export const KycRiskScoreKey = defineSearchAttributeKey('KycRiskScore', SearchAttributeType.INT);
export const KycReviewerKey = defineSearchAttributeKey('KycReviewer', SearchAttributeType.KEYWORD);
export const KycRecordIdKey = defineSearchAttributeKey('KycRecordId', SearchAttributeType.KEYWORD);
// Review workflows: standard, or senior once escalated.
export const KycReviewLevelKey = defineSearchAttributeKey('KycReviewLevel', SearchAttributeType.KEYWORD);

export const KYC_SEARCH_ATTRIBUTES = [KycStatusKey, KycCountryKey, KycRiskScoreKey, KycReviewerKey, KycRecordIdKey, KycReviewLevelKey] as const;
