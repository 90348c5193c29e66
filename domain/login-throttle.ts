// Throttling of failed sign-ins, per account name and per client address: the rules, with no I/O
// (infra/login-throttle.ts keeps the state in PostgreSQL and applies them).
//
// Every attempt counts as a failure before the password is checked, and is taken back when the
// password was right: a burst of parallel guesses cannot all slip in before the first failure is
// recorded. After `maxFailures` failures in a row the key is locked; each failure after a lock
// ends locks it again for twice as long, up to `maxLockSeconds`. Attempts during a lock are
// refused without checking anything, and do not count. An hour without failures (counted from
// the end of the last lock) forgets them.

export interface ThrottlePolicy {
  maxFailures: number;
  lockSeconds: number;
  maxLockSeconds: number;
}

export interface ThrottleState {
  failures: number;
  lastFailureAt: Date;
  lockedUntil: Date | null;
}

export const FORGET_FAILURES_AFTER_SECONDS = 3600;

export type AttemptVerdict =
  | { admitted: false; retryAfterSeconds: number }
  | { admitted: true; next: ThrottleState; startsLock: boolean };

/** How long the lock after the `failures`-th failure in a row lasts (0: none yet). */
export function lockSeconds(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.maxFailures) return 0;
  // Past about 2^20 the cap has long been reached; stopping there keeps the number finite.
  const doublings = Math.min(failures - policy.maxFailures, 20);
  return Math.min(policy.maxLockSeconds, policy.lockSeconds * 2 ** doublings);
}

function forgotten(state: ThrottleState, now: Date): boolean {
  const quietSince = Math.max(state.lastFailureAt.getTime(), state.lockedUntil?.getTime() ?? 0);
  return now.getTime() - quietSince >= FORGET_FAILURES_AFTER_SECONDS * 1000;
}

/** Judges an attempt before its password is checked; when admitted, it is counted as a failure. */
export function admitAttempt(state: ThrottleState | null, now: Date, policy: ThrottlePolicy): AttemptVerdict {
  if (state?.lockedUntil && state.lockedUntil > now) {
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000)) };
  }
  const failures = !state || forgotten(state, now) ? 1 : state.failures + 1;
  const lock = lockSeconds(failures, policy);
  return { admitted: true, next: { failures, lastFailureAt: now, lockedUntil: lock > 0 ? new Date(now.getTime() + lock * 1000) : null }, startsLock: lock > 0 };
}

/**
 * A client address's state once an admitted attempt from it turned out right: its provisional
 * failure is taken back and the lock it may have started is lifted (no lock was on, or the attempt
 * would not have been admitted). The address's earlier failures still count, so its next wrong
 * password locks it again at once. An account's state is simply cleared on success.
 */
export function takeBackAttempt(state: ThrottleState): ThrottleState {
  return { ...state, failures: Math.max(0, state.failures - 1), lockedUntil: null };
}
