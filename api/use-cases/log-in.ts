import { accountNameKey } from '../../domain/account-names';
import { type User } from '../../generated/prisma/client';
import { type LoginThrottle } from '../../infra/login-throttle';
import { hashPassword, verifyPassword } from '../../infra/passwords';
import { type UserStore } from '../../store/users';
import { type TokenService } from '../auth';
import { Problem } from '../problem';
import { type SecurityLog } from '../security-log';

export interface LogInDeps {
  users: UserStore;
  tokens: TokenService;
  throttle: LoginThrottle;
  securityLog: SecurityLog;
}

export interface LogInRequest {
  username: string;
  password: string;
  ip: string;
  /** The request as the security log names it (method and route pattern), should this attempt start a lock. */
  method: string;
  route: string;
}

/** An account with a token issued for it. */
export interface SignedIn {
  user: User;
  token: string;
  expiresIn: number;
}

// A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
const DUMMY_HASH_PROMISE = hashPassword('not-a-real-password');

// The same answer whether the name exists or not, and whether the name or the address is locked.
const LOCKED_DETAIL = 'Too many failed sign-ins; wait before trying again';

/**
 * A username and password for a token; the username compares as accounts compare (Unicode NFKC,
 * case folded). Failed sign-ins are throttled per username (known or not, alike) and per client
 * address; a failure that starts a lock goes on the security log.
 */
export async function logIn(deps: LogInDeps, request: LogInRequest): Promise<SignedIn> {
  const { username, password, ip } = request;
  // Counted per account name as accounts compare (ADMIN is admin): another case or width of a name is no fresh allowance.
  const admission = await deps.throttle.admit(accountNameKey(username), ip);
  if (!admission.admitted) throw new Problem('rate_limited', LOCKED_DETAIL, undefined, { retry_after: admission.retryAfterSeconds });
  const user = await deps.users.findByUsername(username);
  const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  if (!user || !ok || !user.isActive || !user.passwordHash) {
    for (const kind of admission.attempt.startsLock) {
      await deps.securityLog.record({ type: 'login_locked', ip, userId: kind === 'account' ? (user?.id ?? null) : null, method: request.method, route: request.route, status: 401 });
    }
    throw new Problem('invalid_credentials');
  }
  await deps.throttle.succeeded(admission.attempt);
  const { token, expiresIn } = await deps.tokens.issue({ userId: user.id, username: user.username, role: user.role, tokenVersion: user.tokenVersion });
  return { user, token, expiresIn };
}
