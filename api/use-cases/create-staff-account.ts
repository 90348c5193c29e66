import { type Role, type User } from '../../generated/prisma/client';
import { hashPassword } from '../../infra/passwords';
import { type UserStore } from '../../store/users';
import { Problem } from '../problem';

export interface NewStaffAccount {
  username: string;
  email?: string;
  password: string;
  role: Role;
  reason: string;
}

/** An admin creates a staff account with a first password; the creation goes on the trail with its reason. */
export async function createStaffAccount(users: UserStore, actorId: string, input: NewStaffAccount): Promise<User> {
  if (await users.isTaken(input.username, input.email)) throw new Problem('conflict', 'That username or email is already registered');
  const passwordHash = await hashPassword(input.password);
  return users.createStaff({ username: input.username, email: input.email ?? null, passwordHash, role: input.role }, { actorId, reason: input.reason });
}
