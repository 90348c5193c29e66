import { z } from 'zod';

// The one status model. The passport-verification and application APIs show views of it (below).
export const kycStatusSchema = z.enum([
  'pending',
  'in_progress',
  'submitted',
  'under_review',
  'resubmission_required',
  'approved',
  'rejected',
  'expired',
  'validation_failed',
  'error',
]);
export type KycStatus = z.infer<typeof kycStatusSchema>;

export const TERMINAL_STATUSES: readonly KycStatus[] = ['approved', 'rejected', 'expired', 'validation_failed', 'error'];
export const ACTIVE_STATUSES: readonly KycStatus[] = kycStatusSchema.options.filter((s) => !TERMINAL_STATUSES.includes(s));

export function isTerminal(status: KycStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

// Allowed moves, each of a kind. `progress` is the verification going its way; two moves go
// against that way and are allowed only as what they are: `compensation` (the saga undoing an
// approval whose wallet upgrade failed for good: approved -> error) and `withdrawal` (a
// verification closed from outside its own course: the customer's erasure cancelled its
// workflow, or the daily cleanup closes one whose workflow stopped; any open status -> expired).
// Terminal states have no progress: a new verification is a new record.
export const MOVE_KINDS = ['progress', 'compensation', 'withdrawal'] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

const PROGRESS: Record<KycStatus, readonly KycStatus[]> = {
  pending: ['in_progress', 'submitted', 'under_review', 'resubmission_required', 'approved', 'rejected', 'expired', 'error'],
  in_progress: ['submitted', 'under_review', 'resubmission_required', 'approved', 'rejected', 'expired', 'error'],
  submitted: ['under_review', 'resubmission_required', 'approved', 'rejected', 'expired', 'error'],
  under_review: ['approved', 'rejected', 'resubmission_required', 'error'],
  resubmission_required: ['pending', 'rejected', 'expired', 'error'],
  approved: [],
  rejected: [],
  expired: [],
  validation_failed: [],
  error: [],
};

const OTHER_MOVES: { kind: Exclude<MoveKind, 'progress'>; from: readonly KycStatus[]; to: KycStatus }[] = [
  { kind: 'compensation', from: ['approved'], to: 'error' },
  { kind: 'withdrawal', from: ['pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required'], to: 'expired' },
];

/** Whether from -> to is allowed as a move of this kind. */
export function allowsMove(from: KycStatus, to: KycStatus, kind: MoveKind): boolean {
  if (kind === 'progress') return PROGRESS[from].includes(to);
  return OTHER_MOVES.some((move) => move.kind === kind && move.to === to && move.from.includes(from));
}

/** What kind of move from -> to is (progress first), or null when the status machine forbids it. */
export function moveKind(from: KycStatus, to: KycStatus): MoveKind | null {
  return MOVE_KINDS.find((kind) => allowsMove(from, to, kind)) ?? null;
}

export function canTransition(from: KycStatus, to: KycStatus): boolean {
  return allowsMove(from, to, 'progress');
}

/**
 * The statuses a record may be in to make a move of this kind to `to` (for progress, staying in
 * `to` included: a repeated move is harmless). The one statement of the rule the record store's
 * writes apply, in SQL and in Prisma alike.
 */
export function statusesMovingTo(to: KycStatus, kind: MoveKind): KycStatus[] {
  return kycStatusSchema.options.filter((from) => (kind === 'progress' && from === to) || allowsMove(from, to, kind));
}

// What the customer sees for each status when nothing more specific is known: never a silent state.
export const DEFAULT_STATUS_TEXT: Record<KycStatus, { reason: string; nextAction: string }> = {
  pending: { reason: 'Your verification session is ready.', nextAction: 'Open the verification link and follow the steps.' },
  in_progress: { reason: 'You have started the identity check.', nextAction: 'Finish the steps in the verification window.' },
  submitted: { reason: 'Your documents were received and are being checked automatically.', nextAction: 'No action needed; this usually takes a few minutes.' },
  under_review: { reason: 'A compliance officer is reviewing your verification.', nextAction: 'No action needed; reviews are completed within 24 hours.' },
  resubmission_required: { reason: 'We could not complete the check with what was submitted.', nextAction: 'Retry the verification with a clear photo of a valid document.' },
  approved: { reason: 'Your identity is verified.', nextAction: 'Your wallet limits have been raised; nothing else to do.' },
  rejected: { reason: 'We could not verify your identity.', nextAction: 'Contact support if you believe this is a mistake.' },
  expired: { reason: 'The verification session expired before it was completed.', nextAction: 'Start a new verification.' },
  validation_failed: { reason: 'Some of the details you entered are not valid.', nextAction: 'Correct the highlighted fields and submit again.' },
  error: { reason: 'The verification could not proceed because of a technical problem on our side.', nextAction: 'Start a new verification; if it happens again contact support.' },
};

// After a compensated approval (the saga's rollback): the record ends in `error`.
export const ROLLED_BACK_TEXT = {
  reason: 'Your identity was verified, but we could not upgrade your wallet, so the verification was rolled back.',
  nextAction: 'Contact support; your wallet keeps its current limits.',
};

// The passport-verification API's states: a coarser view for clients that only need to know
// whether to wait, act or stop.
export const PASSPORT_VERIFICATION_STATUSES = ['submitted', 'processing', 'verified', 'failed', 'requires_action', 'expired'] as const;
export type PassportVerificationStatus = (typeof PASSPORT_VERIFICATION_STATUSES)[number];

export const passportVerificationStatus = (status: KycStatus): PassportVerificationStatus => {
  switch (status) {
    case 'pending':
      return 'submitted';
    case 'in_progress':
    case 'submitted':
    case 'under_review':
      return 'processing';
    case 'approved':
      return 'verified';
    case 'resubmission_required':
      return 'requires_action';
    case 'expired':
      return 'expired';
    case 'rejected':
    case 'validation_failed':
    case 'error':
      return 'failed';
  }
};

// The application API's states (upper case, as event-driven consumers spell them); ROLLED_BACK
// is an approval compensated because the wallet upgrade failed.
export const APPLICATION_STATUSES = ['PENDING', 'IN_PROGRESS', 'VERIFIED', 'REJECTED', 'ROLLED_BACK'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export const applicationStatus = (status: KycStatus, rolledBack: boolean): ApplicationStatus => {
  if (rolledBack) return 'ROLLED_BACK';
  switch (status) {
    case 'pending':
      return 'PENDING';
    case 'in_progress':
    case 'submitted':
    case 'under_review':
    case 'resubmission_required':
      return 'IN_PROGRESS';
    case 'approved':
      return 'VERIFIED';
    case 'rejected':
    case 'expired':
    case 'validation_failed':
    case 'error':
      return 'REJECTED';
  }
};
