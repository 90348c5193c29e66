import { DEFAULT_STATUS_TEXT, type KycStatus } from './status';

// What an identity-verification vendor tells us about a session, in the vendor-neutral words the
// verification workflow branches on (each vendor adapter maps its own wire format onto these).
export const VENDOR_EVENT_ACTIONS = ['started', 'submitted'] as const;
export type VendorEventAction = (typeof VENDOR_EVENT_ACTIONS)[number];
export const VENDOR_DECISION_STATUSES = ['approved', 'declined', 'resubmission_requested', 'review', 'expired', 'abandoned'] as const;
export type VendorDecisionStatus = (typeof VENDOR_DECISION_STATUSES)[number];

/** Vendor events only move a verification forward: `started` while pending, `submitted` before a decision. */
export function vendorEventAdvances(status: KycStatus, action: VendorEventAction): KycStatus | null {
  if (action === 'started' && status === 'pending') return 'in_progress';
  if (action === 'submitted' && (status === 'pending' || status === 'in_progress')) return 'submitted';
  return null;
}

// Veriff's reason codes (docs/veriff-contract.md) turned into what a customer can read and act on.
// Internal wording such as "known fraud" is never shown to the customer, nor what would tell them
// they are suspected (a duplicate of another account's identity or document): anti-money-laundering
// law forbids tipping them off (domain/customer-view.ts).
interface CustomerText {
  reason: string;
  nextAction: string;
}

const CONTACT_SUPPORT = 'Contact support if you believe this is a mistake.';

const DECLINE_TEXT: Record<number, CustomerText> = {
  101: { reason: 'The document was not a physical original.', nextAction: 'Start a new verification with the original document in hand.' },
  102: { reason: 'The document could not be accepted.', nextAction: CONTACT_SUPPORT },
  103: { reason: 'Your face did not match the photo on the document.', nextAction: CONTACT_SUPPORT },
  104: { reason: 'The name you entered does not match the document.', nextAction: 'Start a new verification with your name exactly as on the document.' },
  105: { reason: 'The verification could not be completed.', nextAction: CONTACT_SUPPORT },
  106: { reason: 'The verification could not be completed.', nextAction: CONTACT_SUPPORT },
  108: { reason: 'The verification could not be completed.', nextAction: CONTACT_SUPPORT },
  109: { reason: 'The verification could not be completed from this device.', nextAction: CONTACT_SUPPORT },
  110: { reason: 'The verification could not be completed.', nextAction: CONTACT_SUPPORT },
  112: { reason: 'Verification is not available from your location.', nextAction: CONTACT_SUPPORT },
  539: { reason: 'Too many attempts were made.', nextAction: CONTACT_SUPPORT },
};

const RESUBMIT_TEXT: Record<number, CustomerText> = {
  201: { reason: 'Photos or video of the document were missing.', nextAction: 'Retry and allow camera access for the whole flow.' },
  202: { reason: 'Your face was not clearly visible.', nextAction: 'Retry in good light, facing the camera, without glasses or a hat.' },
  203: { reason: 'The whole document was not visible.', nextAction: 'Retry with all four corners of the document in the frame.' },
  204: { reason: 'The images were not sharp enough.', nextAction: 'Retry in good light and hold the camera steady.' },
  205: { reason: 'The document looks damaged.', nextAction: 'Retry with an undamaged document.' },
  206: { reason: 'This type of document is not supported.', nextAction: 'Retry with a passport, national ID card, driving licence or residence permit.' },
  207: { reason: 'The document has expired.', nextAction: 'Retry with a valid, unexpired document.' },
};

export function vendorDecisionText(status: VendorDecisionStatus, reasonCode: number | null): CustomerText {
  switch (status) {
    case 'approved':
      return DEFAULT_STATUS_TEXT.approved;
    case 'declined':
      return (reasonCode !== null && DECLINE_TEXT[reasonCode]) || DEFAULT_STATUS_TEXT.rejected;
    case 'resubmission_requested':
      return (reasonCode !== null && RESUBMIT_TEXT[reasonCode]) || DEFAULT_STATUS_TEXT.resubmission_required;
    case 'review':
      return DEFAULT_STATUS_TEXT.under_review;
    case 'expired':
      return DEFAULT_STATUS_TEXT.expired;
    case 'abandoned':
      return { reason: 'The verification was started but not finished.', nextAction: 'Start a new verification.' };
  }
}
