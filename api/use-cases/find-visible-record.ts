import { type Db } from '../../infra/db';
import { type Principal } from '../auth';
import { Problem } from '../problem';

// A customer sees only their own records; another customer's id answers 404, as if it did not
// exist, so ids cannot be probed. Staff roles see every record.
export async function findVisibleRecord(db: Db, principal: Principal, id: string) {
  const record = await db.kycRecord.findUnique({ where: { id } });
  if (!record || (principal.role === 'customer' && record.userId !== principal.userId)) throw new Problem('not_found', 'No such KYC record');
  return record;
}
