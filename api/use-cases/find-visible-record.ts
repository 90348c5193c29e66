import { type KycRecord, type RecordStore } from '../../store/records';
import { type Reader } from '../../store/restricted-access';
import { Problem } from '../problem';

// A customer sees only their own records; another customer's id answers 404, as if it did not
// exist, so ids cannot be probed. Staff roles see every record; a restricted one (kept after an
// erasure) only the auditor, with a reason (the store's gate: 410 to others).
export async function findVisibleRecord(records: RecordStore, reader: Reader, id: string): Promise<KycRecord> {
  const record = await records.visibleTo(reader, id);
  if (!record) throw new Problem('not_found', 'No such KYC record');
  return record;
}
