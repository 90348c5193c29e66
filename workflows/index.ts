export { kycVerification } from './kyc-verification';
