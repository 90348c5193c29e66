import { z } from 'zod';
import { kycApplicationSchema, validateKycApplication } from '../../domain/kyc-application';
import { type KycRecord } from '../../store/records';
import { amendAddressUpdate } from '../../workflows/kyc-verification.contract';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';
import { findVisibleRecord } from './find-visible-record';
import { verificationCallProblem } from './verification-problems';

// What may change on a pending application: the address only. Names, date of birth, nationality
// and the document are what the vendor is asked to verify and what screening and duplicate
// detection key on (the document number's hash), and the country decides which document and
// postcode rules apply; changing those is a new application. The address fields keep the rules
// they have at submission.
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

const SESSION_OPEN =
  'The identity check has already been opened with the details as submitted; they are now what the check and the reviewers compare against, so they cannot change. Start a new application to correct them.';

/**
 * Amends the address of a pending application before its vendor session exists: validated here on
 * the amended whole (the postcode rules of the country), written by the verification workflow,
 * which alone knows whether the session is open. Once it is, nothing changes any more (409).
 */
export async function amendPendingApplication(deps: UseCaseDeps, principal: Principal, recordId: string, patch: ApplicationPatch): Promise<KycRecord> {
  const { records } = deps.stores;
  const record = await findVisibleRecord(records, principal, recordId);
  if (record.status !== 'pending') {
    throw new Problem('conflict', `Only a pending application can change; this one is ${record.status}. Start a new application to correct it.`);
  }
  if (record.veriffSessionId) throw new Problem('conflict', SESSION_OPEN);
  const changed = Object.entries(patch).filter(([, value]) => value !== undefined);
  const amended = { ...(await records.submittedApplication(record)), ...Object.fromEntries(changed) };
  const validation = validateKycApplication(amended, deps.now());
  if (!validation.ok) throw new Problem('validation_failed', 'See errors for each field', validation.errors);
  const { address_line_1, address_line_2, city, state_province, postal_code } = validation.value;

  await deps.temporal.workflow
    .getHandle(record.workflowId, record.workflowRunId)
    .executeUpdate(amendAddressUpdate, { args: [{ actorId: principal.userId, sealedAddress: await deps.stores.personalData.sealJson(record.userId, { address_line_1, address_line_2, city, state_province, postal_code }), fields: changed.map(([field]) => field) }] })
    .catch((err: Error) => {
      throw verificationCallProblem(err, deps.logger, { recordId: record.id });
    });
  return (await records.get(record.id))!;
}
