import { Prisma, type Role, type User, type UserAuditEvent } from '../generated/prisma/client';
import { STAFF_ROLES } from '../domain/roles';
import { type Db, runStatement } from '../infra/db';
import { afterKey, type PageRequest } from './keyset';
import { basicLimits } from './wallets';

// User accounts and their management trail (user_audit_events). Passwords arrive here hashed; the
// rules of who may change which account are the API's (api/use-cases/change-user-account.ts).

export interface AccountFilter extends PageRequest {
  scope: 'staff' | 'customers' | 'all';
  role?: Role;
  isActive?: boolean;
}

export interface NewAccount {
  username: string;
  email: string | null;
  passwordHash: string;
}

export type AccountAuditEntry = Pick<UserAuditEvent, 'action' | 'fromRole' | 'toRole'>;

/** What a change does to an account, decided from its locked row: the new values and one trail entry per change. */
export interface AccountUpdate {
  role: Role;
  isActive: boolean;
  /** Raises the token version, so the tokens issued before are refused. */
  revokesTokens: boolean;
  entries: AccountAuditEntry[];
  actorId: string;
  reason: string;
}

/** The state a change is decided on: the account and the active admins, both locked until the change is written. */
export interface LockedAccount {
  target: User;
  activeAdminIds: readonly string[];
}

export type UserChange = UserAuditEvent & { username: string | null; actorUsername: string | null };

export interface UserChangeFilter extends PageRequest {
  userId?: string;
}

export class UserStore {
  constructor(private readonly db: Db) {}

  /**
   * What a token's bearer may do now: the account's name, role, whether it is active, and the
   * token version its tokens must carry; null when it no longer exists. One primary-key read per
   * authenticated request, on the driver (runStatement): every API process sees a deactivation, a
   * role change or a deletion on the next request, with no cache to invalidate across processes.
   */
  async accountState(userId: string): Promise<{ username: string; role: Role; isActive: boolean; tokenVersion: number } | null> {
    const [row] = await runStatement<{ username: string; role: Role; is_active: boolean; token_version: number }>(
      this.db,
      Prisma.sql`SELECT username, role::text AS role, is_active, token_version FROM users WHERE id = ${userId}::uuid`,
    );
    return row ? { username: row.username, role: row.role, isActive: row.is_active, tokenVersion: row.token_version } : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    return this.db.user.findUnique({ where: { username } });
  }

  async isTaken(username: string, email: string | undefined): Promise<boolean> {
    const taken = await this.db.user.findFirst({ where: { OR: [{ username }, ...(email ? [{ email }] : [])] } });
    return taken !== null;
  }

  /** A customer who registered, with the basic wallet every customer starts with. */
  async createCustomer(account: NewAccount): Promise<User> {
    return this.db.user.create({ data: { ...account, role: 'customer', wallet: { create: basicLimits() } } });
  }

  /** A staff account and its "created" entry on the trail, in one transaction. */
  async createStaff(account: NewAccount & { role: Role }, by: { actorId: string; reason: string }): Promise<User> {
    return this.db.$transaction(async (tx) => {
      const created = await tx.user.create({ data: account });
      await tx.userAuditEvent.create({ data: { userId: created.id, actorId: by.actorId, action: 'created', toRole: account.role, reason: by.reason } });
      return created;
    });
  }

  /**
   * Changes an account as `decide` says, with its trail entries, in one transaction. The active
   * admins' rows are locked first, so concurrent changes that each remove an admin run one after
   * the other and the second one decides on what the first left (two admins demoting each other
   * at once leave one admin, not none). `decide` may throw to refuse: nothing is written. It
   * returns null when there is nothing to change; the account is returned as it is. Null when no
   * account has this id.
   */
  async changeAccount(userId: string, decide: (locked: LockedAccount) => AccountUpdate | null): Promise<User | null> {
    return this.db.$transaction(async (tx) => {
      const activeAdmins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE`;
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
      if (!locked) return null;
      const target = await tx.user.findUniqueOrThrow({ where: { id: userId } });
      const update = decide({ target, activeAdminIds: activeAdmins.map((admin) => admin.id) });
      if (!update) return target;
      const { role, isActive, revokesTokens, entries, actorId, reason } = update;
      const updated = await tx.user.update({ where: { id: userId }, data: { role, isActive, ...(revokesTokens ? { tokenVersion: { increment: 1 } } : {}) } });
      await tx.userAuditEvent.createMany({ data: entries.map((entry) => ({ ...entry, userId, actorId, reason })) });
      return updated;
    });
  }

  /** Accounts, newest first, one page (limit + 1 rows). */
  async listAccounts(filter: AccountFilter): Promise<User[]> {
    const scope: Prisma.UserWhereInput = filter.scope === 'staff' ? { role: { in: [...STAFF_ROLES] } } : filter.scope === 'customers' ? { role: 'customer' } : {};
    const where: Prisma.UserWhereInput = {
      AND: [scope, filter.role ? { role: filter.role } : {}, filter.isActive !== undefined ? { isActive: filter.isActive } : {}, afterKey(filter.after)],
    };
    return this.db.user.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
  }

  /** The account management trail, newest first, one page (limit + 1 rows), with the usernames of the account and the actor while they exist. */
  async listChanges(filter: UserChangeFilter): Promise<UserChange[]> {
    const where: Prisma.UserAuditEventWhereInput = { AND: [filter.userId ? { userId: filter.userId } : {}, afterKey(filter.after)] };
    const rows = await this.db.userAuditEvent.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
    const ids = [...new Set(rows.flatMap((e) => [e.userId, e.actorId]))];
    const names = new Map((await this.db.user.findMany({ where: { id: { in: ids } }, select: { id: true, username: true } })).map((u) => [u.id, u.username]));
    return rows.map((e) => ({ ...e, username: names.get(e.userId) ?? null, actorUsername: names.get(e.actorId) ?? null }));
  }
}
