import { z } from 'zod';
import { VENDOR_DECISION_STATUSES, type VendorDecisionStatus } from '../../domain/decision';
import { type DocumentCheckResult } from '../../document-check';

// The local vendor's decision: what the document-check engine decided about the front of the
// document a customer uploaded, in the words the verification workflow branches on, kept (encrypted)
// as the session's decision receipt like a vendor's webhook. It carries what the engine read from
// the machine-readable zone, for the risk rules and the reviewers: personal data, never logged.

const checkStatus = z.enum(['success', 'fail', 'flag for review']);

export const localDecisionSchema = z.object({
  vendor: z.literal('local'),
  sessionId: z.string().min(1),
  attemptId: z.string().min(1),
  checkId: z.uuid(),
  status: z.enum(VENDOR_DECISION_STATUSES),
  reasonCode: z.number().int().nullable(),
  engine: z.object({ decision: z.enum(['accept', 'deny', 'flag for review']), retake: z.boolean(), checks: z.object({ ocr: checkStatus, metadata: checkStatus, image_integrity: checkStatus }) }),
  extracted: z.object({ firstName: z.string().nullable(), lastName: z.string().nullable(), dateOfBirth: z.string().nullable(), documentNumber: z.string().nullable() }).nullable(),
  document: z.record(z.string(), z.string().nullable()).nullable(),
});
export type LocalDecision = z.infer<typeof localDecisionSchema>;

// Reason codes in Veriff's numbering (domain/decision.ts words them for the customer): 102 "the
// document could not be accepted", 204 "the images were not sharp enough".
const DENIED_REASON_CODE = 102;
const RETAKE_REASON_CODE = 204;

/** The engine's decision as a vendor decision: accept approves, deny declines, an unreadable photo asks for a new one, any other doubt goes to a reviewer. */
export function decisionStatusOf(result: Pick<DocumentCheckResult, 'decision' | 'retake'>): { status: VendorDecisionStatus; reasonCode: number | null } {
  if (result.decision === 'accept') return { status: 'approved', reasonCode: null };
  if (result.decision === 'deny') return { status: 'declined', reasonCode: DENIED_REASON_CODE };
  return result.retake ? { status: 'resubmission_requested', reasonCode: RETAKE_REASON_CODE } : { status: 'review', reasonCode: null };
}

/**
 * The decision of one session. Only a zone whose check digits hold is reported as read: its dates
 * and document number are then exactly what the document says, and the risk rules compare them with
 * the submission again. Names are not protected by check digits and OCR reads look-alike letters
 * (O for Q); the engine compares them knowing that, so a name it found matching is not reported for
 * a second, letter-exact comparison (the reviewer still sees it among the findings).
 */
export function localDecision(input: { sessionId: string; attemptId: string; checkId: string; result: DocumentCheckResult }): LocalDecision {
  const { result } = input;
  const mrz = result.details.ocr.mrz;
  const fields = mrz?.valid ? mrz.fields : null;
  const namesMatch = result.details.ocr.comparisons.some((c) => c.field === 'fullName' && c.between === 'submission_and_mrz' && c.outcome === 'match');
  return {
    vendor: 'local',
    sessionId: input.sessionId,
    attemptId: input.attemptId,
    checkId: input.checkId,
    ...decisionStatusOf(result),
    engine: { decision: result.decision, retake: result.retake, checks: result.checks },
    extracted: fields ? { firstName: namesMatch ? null : fields.givenNames, lastName: namesMatch ? null : fields.surname, dateOfBirth: fields.dateOfBirth, documentNumber: fields.documentNumber } : null,
    document: fields ? { type: fields.documentCode, number: fields.documentNumber, country: fields.issuingState, nationality: fields.nationality, validUntil: fields.dateOfExpiry } : null,
  };
}
