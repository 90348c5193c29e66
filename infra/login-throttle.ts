import { createHmac } from 'node:crypto';
import { type Config } from '../domain/config';
import { admitAttempt, FORGET_FAILURES_AFTER_SECONDS, takeBackAttempt, type ThrottlePolicy, type ThrottleState } from '../domain/login-throttle';
import { type Prisma } from '../generated/prisma/client';
import { type Db } from './db';

// Failed sign-ins counted in PostgreSQL (login_throttles), so every API process applies the same
// locks; the rules are domain/login-throttle.ts. Each attempt is judged in one short transaction
// that holds advisory locks on its two keys (account name, client address), so concurrent
// attempts on a key are counted one after the other; the password is checked outside it.

export type ThrottleKind = 'account' | 'address';

export interface AdmittedAttempt {
  readonly keys: Record<ThrottleKind, string>;
  /** Keys this attempt locked if its password turns out wrong. */
  readonly startsLock: readonly ThrottleKind[];
}

export type AttemptAdmission = { admitted: true; attempt: AdmittedAttempt } | { admitted: false; retryAfterSeconds: number };

type ThrottleConfig = Pick<Config, 'KYC_LOGIN_MAX_FAILURES' | 'KYC_LOGIN_MAX_FAILURES_PER_IP' | 'KYC_LOGIN_LOCK_SECONDS' | 'KYC_LOGIN_LOCK_MAX_SECONDS' | 'KYC_PII_HASH_KEY'>;

// Transaction-scoped advisory locks, taken in sorted order so two attempts never wait on each
// other's second key.
async function lockKeys(tx: Prisma.TransactionClient, keys: Record<ThrottleKind, string>): Promise<void> {
  for (const key of Object.values(keys).sort()) await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

export class LoginThrottle {
  private readonly policies: Record<ThrottleKind, ThrottlePolicy>;

  constructor(
    private readonly db: Db,
    private readonly config: ThrottleConfig,
  ) {
    const lock = { lockSeconds: config.KYC_LOGIN_LOCK_SECONDS, maxLockSeconds: config.KYC_LOGIN_LOCK_MAX_SECONDS };
    this.policies = { account: { maxFailures: config.KYC_LOGIN_MAX_FAILURES, ...lock }, address: { maxFailures: config.KYC_LOGIN_MAX_FAILURES_PER_IP, ...lock } };
  }

  // The account name is kept as a keyed hash: it may be an e-mail address, and a name nobody has
  // is counted exactly like a real one. The "login" prefix keeps these hashes apart from the
  // document-number hashes made with the same key.
  private keysOf(username: string, ip: string): Record<ThrottleKind, string> {
    return { account: `account:${createHmac('sha256', this.config.KYC_PII_HASH_KEY).update(`login\n${username}`).digest('hex')}`, address: `ip:${ip}` };
  }

  /** Before the password is checked: refused while either key is locked, else counted as a failure. */
  async admit(username: string, ip: string): Promise<AttemptAdmission> {
    const keys = this.keysOf(username, ip);
    return this.db.$transaction(async (tx) => {
      await lockKeys(tx, keys);
      // The database's clock, the same for every API process (and fixed for this transaction).
      const [{ now }] = await tx.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;
      const rows = await tx.loginThrottle.findMany({ where: { key: { in: Object.values(keys) } } });
      const stateOf = (key: string): ThrottleState | null => rows.find((row) => row.key === key) ?? null;

      const verdicts = (['account', 'address'] as const).map((kind) => ({ kind, verdict: admitAttempt(stateOf(keys[kind]), now, this.policies[kind]) }));
      const refusals = verdicts.flatMap(({ verdict }) => (verdict.admitted ? [] : [verdict.retryAfterSeconds]));
      if (refusals.length) return { admitted: false as const, retryAfterSeconds: Math.max(...refusals) };

      const startsLock: ThrottleKind[] = [];
      for (const { kind, verdict } of verdicts) {
        if (!verdict.admitted) continue;
        await tx.loginThrottle.upsert({ where: { key: keys[kind] }, create: { key: keys[kind], ...verdict.next }, update: verdict.next });
        if (verdict.startsLock) startsLock.push(kind);
      }
      // A key seen for the first time clears the ones long forgotten, so the table stays small without a job.
      if (!rows.length) {
        await tx.$executeRaw`DELETE FROM login_throttles
          WHERE last_failure_at < now() - make_interval(secs => ${FORGET_FAILURES_AFTER_SECONDS}::int)
            AND (locked_until IS NULL OR locked_until < now() - make_interval(secs => ${FORGET_FAILURES_AFTER_SECONDS}::int))`;
      }
      return { admitted: true as const, attempt: { keys, startsLock } };
    });
  }

  /** The password was right: the account starts afresh and the address gets its attempt back. */
  async succeeded(attempt: AdmittedAttempt): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await lockKeys(tx, attempt.keys);
      await tx.loginThrottle.deleteMany({ where: { key: attempt.keys.account } });
      const address = await tx.loginThrottle.findUnique({ where: { key: attempt.keys.address } });
      if (address) await tx.loginThrottle.update({ where: { key: address.key }, data: takeBackAttempt(address) });
    });
  }
}
