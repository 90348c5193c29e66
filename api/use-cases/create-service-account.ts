import { type ServiceAccount, type ServiceAccountStore } from '../../store/service-accounts';
import { type UserStore } from '../../store/users';
import { Problem } from '../problem';

/**
 * An admin creates a service account for an integrating system: the account (role service, no
 * password) and its API key, shown once; the creation goes on the account trail with its reason.
 * To revoke the key, deactivate the account (PATCH /api/admin/users/{id}).
 */
export async function createServiceAccount(stores: { users: UserStore; serviceAccounts: ServiceAccountStore }, actorId: string, input: { username: string; reason: string }): Promise<{ account: ServiceAccount; key: string }> {
  if (await stores.users.isTaken(input.username, undefined)) throw new Problem('conflict', 'That username is already registered');
  return stores.serviceAccounts.create({ username: input.username, actorId, reason: input.reason });
}
