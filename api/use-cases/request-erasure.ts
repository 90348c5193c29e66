import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type ErasureBasis, type ErasurePlan, type ErasureOutcome } from '../../domain/privacy';
import { type ErasureRequest } from '../../store/privacy';
import type { subjectErasure } from '../../workflows/privacy';
import { ERASURE_WORKFLOW_TYPE, erasureWorkflowId } from '../../workflows/privacy.contract';
import { type Principal } from '../auth';
import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// Erasure of a customer's personal data: asked by the customer (their own), or filed by an admin
// closing a customer's account. Filing closes the account at once and answers what goes now and
// what anti-money-laundering rules keep until when; the subjectErasure workflow does the rest.

export interface ErasureRequestView {
  id: string;
  user_id: string;
  basis: ErasureBasis;
  status: ErasureRequest['status'];
  requested_at: string;
  erased_at: string | null;
  completed_at: string | null;
  erase_now: ErasurePlan['erase_now'];
  retained: ErasurePlan['retained'];
  erased: ErasureOutcome | null;
  vendor_sessions: { to_delete: number; deleted: number };
  workflow_id: string;
}

export function erasureRequestView(request: ErasureRequest): ErasureRequestView {
  const plan = request.plan as ErasurePlan;
  return {
    id: request.id,
    user_id: request.userId,
    basis: request.basis,
    status: request.status,
    requested_at: request.requestedAt.toISOString(),
    erased_at: request.erasedAt?.toISOString() ?? null,
    completed_at: request.completedAt?.toISOString() ?? null,
    erase_now: plan.erase_now,
    retained: plan.retained,
    erased: (request.erased as ErasureOutcome | null) ?? null,
    vendor_sessions: { to_delete: request.vendorSessions, deleted: request.vendorDeleted },
    workflow_id: request.workflowId,
  };
}

export async function requestErasure(deps: UseCaseDeps, principal: Principal, input: { userId?: string }): Promise<ErasureRequestView> {
  const { stores, temporal, config, logger } = deps;
  let userId: string;
  let basis: ErasureBasis;
  if (principal.role === 'customer') {
    if (input.userId && input.userId !== principal.userId) throw new Problem('validation_failed', 'A customer asks for their own data only', [{ field: 'user_id', rule: 'own_account', message: 'leave it out, or give your own id' }]);
    userId = principal.userId;
    basis = 'customer_request';
  } else {
    if (!input.userId) throw new Problem('validation_failed', 'Name the customer whose account is closed', [{ field: 'user_id', rule: 'required', message: 'required for admins' }]);
    userId = input.userId;
    basis = 'account_closure';
  }
  const subject = await stores.privacy.subjectAccount(userId);
  if (!subject) throw new Problem('not_found', 'No such customer');
  if (subject.role !== 'customer') throw new Problem('validation_failed', 'Only customer accounts are erased this way; staff accounts are deactivated', [{ field: 'user_id', rule: 'customer_account', message: 'must name a customer' }]);

  const { request, created } = await stores.privacy.fileErasure({ userId, basis, requestedBy: principal.userId, requestedByRole: principal.role === 'customer' ? 'customer' : 'admin', requestId: randomUUID(), workflowIdOf: erasureWorkflowId });
  if (request.status !== 'completed') {
    // Started again when asked again: a request whose start failed earlier gets its workflow now.
    await temporal.workflow
      .start<typeof subjectErasure>(ERASURE_WORKFLOW_TYPE, { workflowId: request.workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [{ requestId: request.id, userId }] })
      .catch((err: Error) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return;
        logger.error('could not start the erasure workflow', { requestId: request.id, error: err.name });
        throw new Problem('upstream_unavailable', 'The erasure is filed and the account closed; carrying it out will start when you ask again');
      });
  }
  logger.info('erasure requested', { requestId: request.id, basis, created });
  return erasureRequestView(request);
}

/** A request the caller may see: a customer their own, admins and the auditor every one; 404 otherwise. */
export async function findErasureRequest(deps: Pick<UseCaseDeps, 'stores'>, principal: Principal, id: string): Promise<ErasureRequestView> {
  const request = await deps.stores.privacy.erasureRequest(id);
  if (!request || (principal.role === 'customer' && request.userId !== principal.userId)) throw new Problem('not_found', 'No such erasure request');
  return erasureRequestView(request);
}
