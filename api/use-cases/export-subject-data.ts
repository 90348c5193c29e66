import { type SubjectExport } from '../../store/privacy';
import { RestrictedReadReasonRequired } from '../../store/restricted-access';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// Subject access: everything held about a customer. A customer exports their own, in the
// customer's view (domain/customer-view.ts: what would tip them off is withheld and named); the
// auditor exports a named customer's in full, always giving a reason (answered like a restricted
// read without one: 400 naming query.reason), and reads restricted records too (a logged
// restricted read). Every export is on the privacy audit trail.

export async function exportSubjectData(deps: Pick<UseCaseDeps, 'stores' | 'logger'>, principal: Principal, query: { userId?: string; reason?: string }): Promise<SubjectExport> {
  let userId: string;
  if (principal.role === 'customer') {
    if (query.userId && query.userId !== principal.userId) throw new Problem('validation_failed', 'A customer exports their own data only', [{ field: 'query.user_id', rule: 'own_account', message: 'leave it out, or give your own id' }]);
    userId = principal.userId;
  } else {
    if (!query.userId) {
      const errors = [{ field: 'query.user_id', rule: 'required', message: 'required: the customer whose data is exported' }, ...(query.reason ? [] : [{ field: 'query.reason', rule: 'required', message: 'required: why (a case or request number), kept on the audit trail' }])];
      throw new Problem('validation_failed', 'See errors for each query parameter', errors);
    }
    if (!query.reason) throw new RestrictedReadReasonRequired('export');
    userId = query.userId;
  }
  const subject = await deps.stores.privacy.subjectAccount(userId);
  if (!subject || subject.role !== 'customer') throw new Problem('not_found', 'No such customer');
  const exported = await deps.stores.privacy.exportSubject(userId, { userId: principal.userId, role: principal.role, ...(query.reason ? { reason: query.reason } : {}) });
  deps.logger.info('subject data exported', { subjectId: userId, role: principal.role, verifications: exported.verifications.length });
  return exported;
}
