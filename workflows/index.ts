export { kycVerification } from './kyc-verification';
export { kycReview } from './kyc-review';
