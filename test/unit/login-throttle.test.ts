// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitAttempt, FORGET_FAILURES_AFTER_SECONDS, lockSeconds, takeBackAttempt, type ThrottleState } from '../../domain/login-throttle';

const POLICY = { maxFailures: 5, lockSeconds: 30, maxLockSeconds: 900 };
const T0 = new Date('2026-11-26T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

// Runs attempts at the given instants; returns each verdict's outcome and the final state.
function run(instants: number[], start: ThrottleState | null = null) {
  let state = start;
  const outcomes: (number | 'admitted')[] = [];
  for (const instant of instants) {
    const verdict = admitAttempt(state, at(instant), POLICY);
    if (verdict.admitted) {
      state = verdict.next;
      outcomes.push('admitted');
    } else {
      outcomes.push(verdict.retryAfterSeconds);
    }
  }
  return { outcomes, state };
}

describe('login throttle rules', () => {
  test('when failures reach the limit, then the key locks for the base time, doubling with each failure after a lock, up to the cap', () => {
    assert.deepEqual([1, 4, 5, 6, 7, 10, 20].map((n) => lockSeconds(n, POLICY)), [0, 0, 30, 60, 120, 900, 900]);
    assert.equal(lockSeconds(10_000, POLICY), 900);
  });

  test('when five attempts fail in a row, then the fifth starts a lock and the sixth is refused with the time left', () => {
    const { outcomes, state } = run([0, 1, 2, 3, 4, 10]);
    assert.deepEqual(outcomes, ['admitted', 'admitted', 'admitted', 'admitted', 'admitted', 24]);
    assert.equal(state?.failures, 5);
    assert.deepEqual(state?.lockedUntil, at(34));
  });

  test('when an attempt is refused during a lock, then it does not count', () => {
    const { state } = run([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(state?.failures, 5);
  });

  test('when the lock has ended, then the next attempt is admitted and a failure locks twice as long', () => {
    const locked = run([0, 1, 2, 3, 4]).state;
    const verdict = admitAttempt(locked, at(34), POLICY);
    assert.ok(verdict.admitted);
    assert.equal(verdict.startsLock, true);
    assert.deepEqual(verdict.next.lockedUntil, at(94));
  });

  test('when an hour passes without failures after the last lock ended, then the count starts again', () => {
    const locked = run([0, 1, 2, 3, 4]).state!;
    const soon = admitAttempt(locked, at(34 + FORGET_FAILURES_AFTER_SECONDS - 1), POLICY);
    assert.ok(soon.admitted && soon.next.failures === 6);
    const later = admitAttempt(locked, at(34 + FORGET_FAILURES_AFTER_SECONDS), POLICY);
    assert.ok(later.admitted && later.next.failures === 1 && later.next.lockedUntil === null);
  });

  test('when a right password is taken back, then its failure is removed and the lock it started is lifted, the others still count', () => {
    const state: ThrottleState = { failures: 5, lastFailureAt: at(4), lockedUntil: at(34) };
    assert.deepEqual(takeBackAttempt(state), { failures: 4, lastFailureAt: at(4), lockedUntil: null });
    assert.equal(takeBackAttempt({ failures: 0, lastFailureAt: at(0), lockedUntil: null }).failures, 0);
    // The address's next failure locks it at once.
    const next = admitAttempt({ failures: 7, lastFailureAt: at(4), lockedUntil: null }, at(5), POLICY);
    assert.ok(next.admitted && next.startsLock);
  });

  test('when the wait left is a fraction of a second, then Retry-After says one second', () => {
    const verdict = admitAttempt({ failures: 5, lastFailureAt: at(0), lockedUntil: new Date(T0.getTime() + 200) }, T0, POLICY);
    assert.deepEqual(verdict, { admitted: false, retryAfterSeconds: 1 });
  });
});
