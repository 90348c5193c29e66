import { Context } from '@temporalio/activity';
import { type ApplicationAddress } from '../domain/kyc-application';
import { type ApplicationSource, type RecordStore, type TransitionInput } from '../store/records';
import { refusingPermanentFailures } from './failures';

// The verification's record: created once, moved through the status machine, compensated. The
// record store does the writing (and the encryption); these are the workflow's steps over it.

export function createRecordActivities(records: RecordStore) {
  return {
    /** Fails at once (RecordRefused) when the database refuses the record for good, e.g. the account is gone. */
    async createKycRecord(input: { recordId: string; userId: string } & ApplicationSource): Promise<void> {
      const execution = Context.current().info.workflowExecution;
      if (!execution) throw new Error('createKycRecord runs only as a workflow activity');
      await refusingPermanentFailures(() => records.create({ ...input, workflowId: execution.workflowId, runId: execution.runId }));
    },

    async recordTransition(input: TransitionInput): Promise<{ applied: boolean }> {
      return records.transition(input);
    },

    async rollbackApproval(input: { recordId: string; failure: string; dedupeKey: string }): Promise<{ applied: boolean }> {
      return records.rollbackApproval(input);
    },

    async amendApplicationAddress(input: { recordId: string; actorId: string; fields: string[] } & ({ address: ApplicationAddress } | { sealedAddress: string })): Promise<'amended' | 'refused'> {
      return records.amendAddress(input);
    },

    /** A cancelled verification (the customer's erasure) is withdrawn; false when there was no open record to close. */
    async withdrawVerification(input: { recordId: string; attempt: number; reason: string; nextAction: string }): Promise<{ withdrawn: boolean }> {
      return { withdrawn: await records.withdraw(input) };
    },
  };
}
