import { Prisma, type Role, type User, type UserAuditEvent } from '../generated/prisma/client';
import { STAFF_ROLES } from '../domain/roles';
import { type Db, runStatement } from '../infra/db';
import { type Tx } from './audit';
import { describeDatabaseError } from './errors';
import { afterKey, type PageRequest } from './keyset';
import { openWallet } from './wallets';

// User accounts and their management trail (user_audit_events). Passwords arrive here hashed; the
// rules of who may change which account are the API's (api/use-cases/change-user-account.ts).
//
// The one writer of users.role: every account is created here and every role change is made here,
// each with its trail entry naming who did it (eslint.config.mjs refuses a role written elsewhere).
//
// Usernames and e-mail addresses compare as the database's unique indexes compare them:
// account_name_key() (Unicode NFKC, case folded; prisma/migrations/*_case_insensitive_account_names),
// so "ADMIN" signs in as "admin" and cannot be registered beside it.

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

/** Who makes a change: an account of ours, or the external identity provider (its issuer) whose token does. */
export type AccountActor = { userId: string } | { provider: string };

/** What a change does to an account, decided from its locked row: the new values and one trail entry per change. */
export interface AccountUpdate {
  role: Role;
  isActive: boolean;
  /** Raises the token version, so the tokens issued before are refused. */
  revokesTokens: boolean;
  entries: AccountAuditEntry[];
  actor: AccountActor;
  reason: string;
}

/** An account that holds a registration's username or e-mail address, and which of the two. */
export interface NameHolder {
  id: string;
  username: boolean;
  email: boolean;
}

/** The account an external identity provider's subject signs in as (api/external-identity.ts). */
export interface ExternalSubject {
  issuer: string;
  subject: string;
  /** Ours, made from the issuer and subject: never the provider's own (changeable) username or e-mail. */
  username: string;
}

const actorColumns = (actor: AccountActor | null) => ({ actorId: actor && 'userId' in actor ? actor.userId : null, actorProvider: actor && 'provider' in actor ? actor.provider : null });

const isUniqueViolation = (err: unknown) => {
  const { code, sqlState } = describeDatabaseError(err);
  return code === 'P2002' || sqlState === '23505';
};

/**
 * Creates an account with its "created" entry on the trail (actor null: the service itself), in
 * the caller's transaction: the service accounts' store creates the account and its key together.
 */
export async function insertAccount(tx: Tx, account: Prisma.UserUncheckedCreateInput & { role: Role }, trail: { actor: AccountActor | null; reason: string }): Promise<User> {
  const created = await tx.user.create({ data: account });
  if (account.role === 'customer') await openWallet(tx, created.id);
  await tx.userAuditEvent.create({ data: { userId: created.id, ...actorColumns(trail.actor), action: 'created', toRole: account.role, reason: trail.reason } });
  return created;
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

  /** The account signing in with this username, compared as the unique index compares usernames. */
  async findByUsername(username: string): Promise<User | null> {
    const [row] = await this.db.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE account_name_key(username) = account_name_key(${username})`;
    return row ? this.db.user.findUnique({ where: { id: row.id } }) : null;
  }

  /** The accounts holding this username or this e-mail address (compared as the unique indexes compare them). */
  async holdersOf(username: string, email: string | undefined): Promise<NameHolder[]> {
    const address = email ?? null;
    return this.db.$queryRaw<NameHolder[]>`
      SELECT id,
             account_name_key(username) = account_name_key(${username}) AS username,
             coalesce(account_name_key(email) = account_name_key(${address}::text), false) AS email
      FROM users
      WHERE account_name_key(username) = account_name_key(${username}) OR account_name_key(email) = account_name_key(${address}::text)
      ORDER BY created_at, id`;
  }

  async isTaken(username: string, email: string | undefined): Promise<boolean> {
    return (await this.holdersOf(username, email)).length > 0;
  }

  /**
   * A customer who registered, with the basic wallet every customer starts with. Null when the
   * username or the e-mail address is taken: the unique indexes decide, so of two registrations of
   * one name at once exactly one gets it. No trail entry: a customer account is no one's decision.
   */
  async createCustomer(account: NewAccount): Promise<User | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const created = await tx.user.create({ data: { ...account, role: 'customer' } });
        await openWallet(tx, created.id);
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /** A staff account and its "created" entry on the trail, in one transaction. */
  async createStaff(account: NewAccount & { role: Role }, by: { actorId: string; reason: string }): Promise<User> {
    return this.db.$transaction((tx) => insertAccount(tx, account, { actor: { userId: by.actorId }, reason: by.reason }));
  }

  /** A demo account of the default setup, unless its username exists (store/demo-accounts.ts). */
  async ensureDemoAccount(account: { username: string; role: Role }, passwordHash: () => Promise<string>): Promise<void> {
    if (await this.findByUsername(account.username)) return;
    const hash = await passwordHash();
    await this.db.$transaction((tx) => insertAccount(tx, { ...account, passwordHash: hash }, { actor: null, reason: 'demo account of the default setup (KYC_DEMO_ACCOUNTS)' }));
  }

  /**
   * The local account of an identity provider's subject, created on first sight with `role` and
   * its "created" entry on the trail naming the provider. Two first requests of one person at once:
   * the account the other one created.
   */
  async externalAccount(identity: ExternalSubject, role: Role, reason: string): Promise<User> {
    const where = { externalIssuer_externalSubject: { externalIssuer: identity.issuer, externalSubject: identity.subject } };
    const existing = await this.db.user.findUnique({ where });
    if (existing) return existing;
    try {
      return await this.db.$transaction((tx) =>
        insertAccount(tx, { username: identity.username, role, externalIssuer: identity.issuer, externalSubject: identity.subject }, { actor: { provider: identity.issuer }, reason }),
      );
    } catch (err) {
      if (isUniqueViolation(err)) return this.db.user.findUniqueOrThrow({ where });
      throw err;
    }
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
      const { role, isActive, revokesTokens, entries, actor, reason } = update;
      const updated = await tx.user.update({ where: { id: userId }, data: { role, isActive, ...(revokesTokens ? { tokenVersion: { increment: 1 } } : {}) } });
      await tx.userAuditEvent.createMany({ data: entries.map((entry) => ({ ...entry, userId, ...actorColumns(actor), reason })) });
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
    const ids = [...new Set(rows.flatMap((e) => (e.actorId ? [e.userId, e.actorId] : [e.userId])))];
    const names = new Map((await this.db.user.findMany({ where: { id: { in: ids } }, select: { id: true, username: true } })).map((u) => [u.id, u.username]));
    return rows.map((e) => ({ ...e, username: names.get(e.userId) ?? null, actorUsername: (e.actorId && names.get(e.actorId)) ?? null }));
  }
}

/** The actions of the account trail, for the API's schemas. */
export { UserAuditAction } from '../generated/prisma/client';
