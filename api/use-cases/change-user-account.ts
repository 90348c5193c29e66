import { type Prisma, type Role, type User, type UserAuditAction } from '../../generated/prisma/client';
import { type Db } from '../../infra/db';
import { Problem } from '../problem';

export interface AccountChange {
  role?: Role;
  isActive?: boolean;
  reason: string;
}

type AuditEntry = Pick<Prisma.UserAuditEventUncheckedCreateInput, 'action' | 'fromRole' | 'toRole'>;

/**
 * An administrator changes another account's role or active flag, with a reason that goes on the
 * append-only trail (one entry per change). Refused: changing one's own role or deactivating
 * oneself, giving a customer account a staff role, and leaving no active admin.
 *
 * The active admins' rows are locked first, so concurrent changes that each remove an admin run
 * one after the other and the second one sees the first (two admins demoting each other at once
 * leave one admin, not none). Deactivation and role changes raise the token version: the tokens
 * issued before are refused from the next request on, even if the account is reactivated later.
 */
export async function changeUserAccount(db: Db, actorId: string, userId: string, change: AccountChange): Promise<User> {
  return db.$transaction(async (tx) => {
    const activeAdmins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE`;
    const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    if (!locked) throw new Problem('not_found', 'No user has this id');
    const target = await tx.user.findUniqueOrThrow({ where: { id: userId } });
    // The caller passed the role check a moment ago; a concurrent change may have removed them since.
    if (!activeAdmins.some((admin) => admin.id === actorId)) throw new Problem('forbidden', 'You are no longer an active admin');

    const role = change.role ?? target.role;
    const isActive = change.isActive ?? target.isActive;
    const entries: AuditEntry[] = [];
    if (role !== target.role) entries.push({ action: 'role_changed', fromRole: target.role, toRole: role });
    if (isActive !== target.isActive) entries.push({ action: (isActive ? 'activated' : 'deactivated') satisfies UserAuditAction, fromRole: null, toRole: null });
    if (entries.length === 0) return target;

    if (target.id === actorId) throw new Problem('conflict', 'You cannot change your own role or deactivate your own account; another admin can');
    if (role !== target.role && target.role === 'customer') throw new Problem('conflict', 'A customer account cannot be given a staff role; create a staff account instead');
    const removesAnAdmin = target.role === 'admin' && target.isActive && (role !== 'admin' || !isActive);
    if (removesAnAdmin && activeAdmins.length <= 1) throw new Problem('conflict', 'This is the last active admin; make another account admin first');

    const revokesTokens = role !== target.role || !isActive;
    const updated = await tx.user.update({ where: { id: userId }, data: { role, isActive, ...(revokesTokens ? { tokenVersion: { increment: 1 } } : {}) } });
    await tx.userAuditEvent.createMany({ data: entries.map((entry) => ({ ...entry, userId, actorId, reason: change.reason })) });
    return updated;
  });
}
