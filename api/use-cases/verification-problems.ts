import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type Logger } from '../../infra/logger';
import { type SessionSnapshot, type VerificationFailure } from '../../workflows/kyc-verification.contract';
import { Problem, type ProblemCode } from '../problem';

// How the verification workflow's refusals and failures reach API clients. The map is over the
// contract's closed list of failure types: a new type does not compile until it has its answer.
const PROBLEM_OF: Record<VerificationFailure, ProblemCode> = {
  RetryNotAllowed: 'conflict',
  AmendNotAllowed: 'conflict',
  RecordRefused: 'conflict',
  VendorRequestRejected: 'upstream_unavailable',
  VendorUnavailable: 'upstream_unavailable',
  WalletUpgradeRefused: 'conflict',
};

/** An update the workflow refused, or a workflow that has ended or cannot be reached, as a problem. */
export function verificationCallProblem(err: Error, logger: Logger, context: Record<string, unknown>): Problem {
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    return new Problem(PROBLEM_OF[cause?.type as VerificationFailure] ?? 'conflict', cause?.message ?? 'The request was refused');
  }
  if (err instanceof WorkflowNotFoundError) return new Problem('conflict', 'This verification has ended; start a new one');
  logger.error('could not reach the verification workflow', { ...context, error: err.name });
  return new Problem('upstream_unavailable', 'The verification service is temporarily unavailable; retry in a minute');
}

/** A verification that ended in `error` while the client waited for its session: the reason, as a problem. */
export function failedSessionProblem(snapshot: SessionSnapshot): Problem {
  // A workflow that failed before it kept to the contract's failure types may name another (the vendor's error).
  return new Problem((snapshot.failure && PROBLEM_OF[snapshot.failure]) || 'upstream_unavailable', snapshot.reason, undefined, { record_id: snapshot.recordId, next_action: snapshot.nextAction });
}
