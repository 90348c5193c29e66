import { type Role, type User, type UserAuditAction } from '../../generated/prisma/client';
import { type AccountAuditEntry, type UserStore } from '../../store/users';
import { Problem } from '../problem';

export interface AccountChange {
  role?: Role;
  isActive?: boolean;
  reason: string;
}

/**
 * An administrator changes another account's role or active flag, with a reason that goes on the
 * append-only trail (one entry per change). Refused: changing one's own role or deactivating
 * oneself, giving a customer or service account a staff role, and leaving no active admin.
 *
 * Decided on rows the store keeps locked until the change is written, so two admins demoting each
 * other at once leave one admin, not none. Deactivation and role changes raise the token version:
 * the tokens issued before are refused from the next request on, even if the account is
 * reactivated later.
 */
export async function changeUserAccount(users: UserStore, actorId: string, userId: string, change: AccountChange): Promise<User> {
  const user = await users.changeAccount(userId, ({ target, activeAdminIds }) => {
    // The caller passed the role check a moment ago; a concurrent change may have removed them since.
    if (!activeAdminIds.includes(actorId)) throw new Problem('forbidden', 'You are no longer an active admin');

    const role = change.role ?? target.role;
    const isActive = change.isActive ?? target.isActive;
    const entries: AccountAuditEntry[] = [];
    if (role !== target.role) entries.push({ action: 'role_changed', fromRole: target.role, toRole: role });
    if (isActive !== target.isActive) entries.push({ action: (isActive ? 'activated' : 'deactivated') satisfies UserAuditAction, fromRole: null, toRole: null });
    if (entries.length === 0) return null;

    if (target.id === actorId) throw new Problem('conflict', 'You cannot change your own role or deactivate your own account; another admin can');
    if (role !== target.role && target.role === 'customer') throw new Problem('conflict', 'A customer account cannot be given a staff role; create a staff account instead');
    if (role !== target.role && target.role === 'service') throw new Problem('conflict', 'A service account keeps the service role; deactivate it and create a staff account instead');
    const removesAnAdmin = target.role === 'admin' && target.isActive && (role !== 'admin' || !isActive);
    if (removesAnAdmin && activeAdminIds.length <= 1) throw new Problem('conflict', 'This is the last active admin; make another account admin first');

    return { role, isActive, revokesTokens: role !== target.role || !isActive, entries, actor: { userId: actorId }, reason: change.reason };
  });
  if (!user) throw new Problem('not_found', 'No user has this id');
  return user;
}
