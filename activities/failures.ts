import { ApplicationFailure } from '@temporalio/activity';
import { describeDatabaseError, isPermanentDatabaseError } from '../store/errors';
import { type VerificationFailure } from '../workflows/kyc-verification.contract';

// Activity failures the workflows branch on. A transient fault (database or vendor unreachable) is
// a plain error left to the retry policy; what a retry cannot change is non-retryable, typed from
// the workflow contract's closed list of failure types.

export function nonRetryable(type: VerificationFailure, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, ...(details ? { details: [details] } : {}) });
}

/**
 * Runs a database write whose failure may be permanent (a foreign key to an account that is gone,
 * a value the column cannot hold): that fails at once as RecordRefused, naming the error's code,
 * SQLSTATE and constraint but never its message (which may quote values); anything else is retried.
 */
export async function refusingPermanentFailures<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isPermanentDatabaseError(err)) throw err;
    const described = describeDatabaseError(err);
    throw nonRetryable('RecordRefused', `the database refused the write (${described.code ?? '-'}, SQLSTATE ${described.sqlState ?? '-'}, constraint ${described.constraint ?? '-'})`, { ...described });
  }
}
