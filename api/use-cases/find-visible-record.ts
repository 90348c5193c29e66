import { type KycRecord, type RecordStore } from '../../store/records';
import { type Principal } from '../auth';
import { Problem } from '../problem';

// A customer sees only their own records; another customer's id answers 404, as if it did not
// exist, so ids cannot be probed. Staff roles see every record.
export async function findVisibleRecord(records: RecordStore, principal: Principal, id: string): Promise<KycRecord> {
  const record = await records.visibleTo(principal, id);
  if (!record) throw new Problem('not_found', 'No such KYC record');
  return record;
}
