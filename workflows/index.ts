export { kycVerification } from './kyc-verification';
export { kycReview } from './kyc-review';
export { opsDailyReport, opsExpiredSessionCleanup, opsStuckVerificationCheck } from './ops-checks';
export { webhookDelivery } from './webhook-delivery';
export { documentCheck } from './document-check';
export { fetchVendorMedia } from './vendor-media';
