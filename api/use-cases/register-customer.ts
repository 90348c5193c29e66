import { hashPassword } from '../../infra/passwords';
import { type UserStore } from '../../store/users';
import { type TokenService } from '../auth';
import { Problem } from '../problem';
import { type SignedIn } from './log-in';

export interface NewCustomer {
  username: string;
  email?: string;
  password: string;
}

/** Anyone opens a customer account (with its basic wallet) and is signed in at once; staff accounts are created by admins. */
export async function registerCustomer(deps: { users: UserStore; tokens: TokenService }, input: NewCustomer): Promise<SignedIn> {
  if (await deps.users.isTaken(input.username, input.email)) throw new Problem('conflict', 'That username or email is already registered');
  const user = await deps.users.createCustomer({ username: input.username, email: input.email ?? null, passwordHash: await hashPassword(input.password) });
  const { token, expiresIn } = await deps.tokens.issue({ userId: user.id, username: user.username, role: user.role, tokenVersion: user.tokenVersion });
  return { user, token, expiresIn };
}
