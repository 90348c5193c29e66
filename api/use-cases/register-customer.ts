import { createHmac } from 'node:crypto';
import { accountNameKey } from '../../domain/account-names';
import { type Config } from '../../domain/config';
import { hashPassword } from '../../infra/passwords';
import { type PgRateLimiter } from '../../infra/rate-limiter';
import { type UserStore } from '../../store/users';
import { Problem } from '../problem';
import { type SecurityLog } from '../security-log';

export interface RegistrationDeps {
  users: UserStore;
  rateLimiter: PgRateLimiter;
  securityLog: SecurityLog;
  config: Pick<Config, 'KYC_REGISTRATION_LIMIT_PER_IP' | 'KYC_REGISTRATION_LIMIT_PER_ADDRESS' | 'KYC_PII_HASH_KEY'>;
}

export interface NewCustomer {
  username: string;
  email?: string;
  password: string;
}

export interface RegistrationRequest {
  ip: string;
  /** The request as the security log names it (method and route pattern). */
  method: string;
  route: string;
}

const HOUR_SECONDS = 3600;

// A name's bucket holds a keyed hash of the compared form, never the name: it may be an e-mail
// address. The "registration" prefix keeps these hashes apart from the others made with the key.
const nameBucket = (key: string, name: string) => `registration-name:${createHmac('sha256', key).update(`registration\n${accountNameKey(name)}`).digest('hex')}`;

/**
 * Anyone may ask for a customer account (staff accounts are created by admins). The caller learns
 * nothing from the answer, which is the same whether the account was created or its username or
 * e-mail address belongs to an account already (compared after Unicode NFKC and case folding):
 * then nothing is created, and the security log names each account holding the name
 * (registration_conflict), for its owner to be told. Throttled per client address and per name,
 * before anything is looked up; the password is hashed either way, so both answers take as long.
 */
export async function registerCustomer(deps: RegistrationDeps, input: NewCustomer, request: RegistrationRequest): Promise<void> {
  const { config } = deps;
  const buckets: [string, number][] = [
    [`registration-ip:${request.ip}`, config.KYC_REGISTRATION_LIMIT_PER_IP],
    ...[input.username, input.email].flatMap((name): [string, number][] => (name ? [[nameBucket(config.KYC_PII_HASH_KEY, name), config.KYC_REGISTRATION_LIMIT_PER_ADDRESS]] : [])),
  ];
  for (const [bucket, limit] of buckets) {
    const verdict = await deps.rateLimiter.hit(bucket, limit, HOUR_SECONDS);
    if (!verdict.allowed) {
      throw new Problem('rate_limited', `Too many registrations from this address or for this name; retry in ${verdict.retryAfterSeconds} s`, undefined, { retry_after: verdict.retryAfterSeconds });
    }
  }

  const passwordHash = await hashPassword(input.password);
  const created = await deps.users.createCustomer({ username: input.username, email: input.email ?? null, passwordHash });
  if (created) return;
  for (const holder of await deps.users.holdersOf(input.username, input.email)) {
    await deps.securityLog.record({ type: 'registration_conflict', ip: request.ip, userId: holder.id, method: request.method, route: request.route, status: 202, details: { username: holder.username, email: holder.email } });
  }
}
