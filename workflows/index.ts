export { kycVerification } from './kyc-verification';
export { kycReview } from './kyc-review';
export { opsDailyReport, opsExpiredSessionCleanup, opsStuckVerificationCheck } from './ops-checks';
export { webhookDelivery } from './webhook-delivery';
export { keyRotation, privacyRetention, subjectErasure, vendorSessionDeletion } from './privacy';
export { screeningCase, screeningListRefresh, screeningRescreen } from './screening-monitor';
export { documentCheck } from './document-check';
export { fetchVendorMedia } from './vendor-media';
