import { z } from 'zod';
import { kycApplicationSchema, validateKycApplication } from '../../domain/kyc-application';
import { type PiiCipher } from '../../infra/crypto';
import { type Db } from '../../infra/db';
import { encryptAddress, storedApplication } from '../../store/stored-application';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { findVisibleRecord } from './find-visible-record';

// What may change on a pending application (seed 002's "update pending application (limited)"):
// the address only. Names, date of birth, nationality and the document are what Veriff is asked
// to verify and what screening and duplicate detection key on (the document number's hash), and
// the country decides which document and postcode rules apply; changing those is a new
// application. The address fields keep the rules they have at submission.
const address = kycApplicationSchema.shape;
export const applicationPatchSchema = z
  .strictObject({
    address_line_1: address.address_line_1.optional(),
    // null clears an optional line; absent leaves it as it is.
    address_line_2: z.null().or(address.address_line_2),
    city: address.city.optional(),
    state_province: z.null().or(address.state_province),
    postal_code: address.postal_code.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'Send at least one of the fields that can change')
  .meta({ minProperties: 1 });
export type ApplicationPatch = z.infer<typeof applicationPatchSchema>;

/**
 * Amends the address of a pending application before its Veriff session exists. Once the session
 * is open, the record is what Veriff was shown and what reviewers compare Veriff's extraction
 * with: nothing changes any more (409), a correction is a new application.
 */
export async function updatePendingApplication(deps: { db: Db; cipher: PiiCipher; now: () => Date }, principal: Principal, recordId: string, patch: ApplicationPatch) {
  const { db, cipher } = deps;
  const record = await findVisibleRecord(db, principal, recordId);
  if (record.status !== 'pending') {
    throw new Problem('conflict', `Only a pending application can change; this one is ${record.status}. Start a new application to correct it.`);
  }
  if (record.veriffSessionId) {
    throw new Problem(
      'conflict',
      'The identity check at Veriff has already been opened with the details as submitted; they are now what the check and the reviewers compare against, so they cannot change. Start a new application to correct them.',
    );
  }
  // Rules across fields (the postcode format of the country) are checked on the amended whole.
  const changed = Object.entries(patch).filter(([, value]) => value !== undefined);
  const amended = { ...storedApplication(record, cipher), ...Object.fromEntries(changed) };
  const validation = validateKycApplication(amended, deps.now());
  if (!validation.ok) throw new Problem('validation_failed', 'See errors for each field', validation.errors);

  return db.$transaction(async (tx) => {
    // Conditional on the state read above: the workflow may open the session in between.
    const updated = await tx.kycRecord.updateMany({
      where: { id: record.id, status: 'pending', veriffSessionId: null },
      data: { addressEnc: encryptAddress(validation.value, cipher) },
    });
    if (updated.count === 0) throw new Problem('conflict', 'The identity check was opened while this change was being made; nothing was changed.');
    await tx.kycEvent.create({
      // Field names only: the audit trail says what changed, the encrypted record holds the values.
      data: { kycRecordId: record.id, eventType: 'APPLICATION_UPDATED', actorType: 'customer', actorId: principal.userId, reason: 'Address amended before the identity check', data: { fields: changed.map(([field]) => field) } },
    });
    return tx.kycRecord.findUniqueOrThrow({ where: { id: record.id } });
  });
}
