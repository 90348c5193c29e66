import { upgradedTier, WALLET_TIERS, type WalletTier } from '../domain/wallet';
import { Prisma } from '../generated/prisma/client';
import { type Db, runStatement } from '../infra/db';
import { insertEventSql, type Tx } from './audit';

// Wallets and their limits: the one writer of `wallets`. The limits come from domain/wallet.ts
// alone (the table has no defaults), and so does the tier an approval gives (upgradedTier). Other
// stores change a wallet through the functions below, in their own transaction: opening it with
// the account, undoing an approval's upgrade (the saga's compensation), restricting it while a
// list hit is reviewed or for good once confirmed, and lifting a review's restriction.

export type RestrictionReason = 'screening_hit' | 'screening_match_confirmed';

/** Every customer account has a basic wallet from the start (idempotent). */
export async function openWallet(tx: Tx, userId: string): Promise<void> {
  await tx.wallet.createMany({ data: [{ userId, ...basicLimits() }], skipDuplicates: true });
}

/** The compensation of an approval: only what this record's upgrade changed is undone; an upgrade from an earlier verification stays. */
export async function rollBackUpgrade(tx: Tx, input: { userId: string; recordId: string }): Promise<void> {
  await tx.wallet.updateMany({
    where: { userId: input.userId, upgradedByRecordId: input.recordId },
    data: { walletType: 'basic', isKycVerified: false, dailyLimit: WALLET_TIERS.basic.dailyLimit, monthlyLimit: WALLET_TIERS.basic.monthlyLimit, upgradedAt: null, upgradedByRecordId: null },
  });
}

/**
 * Restricts a customer's wallet. screening_hit (a hit under review) restricts a wallet that is
 * not restricted yet; screening_match_confirmed (a confirmed match) restricts for good, keeping
 * the time of an earlier restriction.
 */
export async function restrictWallet(tx: Tx, input: { userId: string; reason: RestrictionReason; at: Date }): Promise<'restricted' | 'already_restricted' | 'no_wallet'> {
  const wallet = await tx.wallet.findUnique({ where: { userId: input.userId }, select: { id: true, restrictedAt: true, restrictionReason: true } });
  if (!wallet) return 'no_wallet';
  if (wallet.restrictionReason === input.reason || (input.reason === 'screening_hit' && wallet.restrictedAt)) return 'already_restricted';
  await tx.wallet.update({ where: { id: wallet.id }, data: { restrictedAt: wallet.restrictedAt ?? input.at, restrictionReason: input.reason } });
  return 'restricted';
}

/** Lifts a restriction placed for this reason (a confirmed match's stays); whether one was lifted. */
export async function liftRestriction(tx: Tx, input: { userId: string; reason: Exclude<RestrictionReason, 'screening_match_confirmed'> }): Promise<boolean> {
  const lifted = await tx.wallet.updateMany({ where: { userId: input.userId, restrictionReason: input.reason }, data: { restrictedAt: null, restrictionReason: null } });
  return lifted.count > 0;
}

export type UpgradeResult = { outcome: 'upgraded' | 'already_upgraded'; walletType: WalletTier } | { outcome: 'refused'; reason: string };

export class WalletStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Exactly once: the wallet remembers which approval upgraded it, in the same transaction as the
   * upgrade and its audit event, so a retry after a crash finds the work done. Refused when the
   * record is not approved or the account is deactivated.
   */
  async upgradeForApproval(recordId: string): Promise<UpgradeResult> {
    // Written out, not built: this is on every approval's path. The common case (an approved
    // record, an active owner, a wallet this record has not upgraded yet) is one statement; any
    // other (a refusal, a retry that finds its work done, a wallet to make first) takes the
    // transaction below, which reads the facts and says which.
    return (await this.upgradeAtOnce(recordId)) ?? this.upgradeStepByStep(recordId);
  }

  /** The upgrade and its audit event in one statement, with the record locked; null when its conditions do not hold. */
  private async upgradeAtOnce(recordId: string): Promise<UpgradeResult | null> {
    const at = this.now();
    // The tier each tier upgrades to, with its limits, from domain/wallet.ts (upgradedTier): the
    // rule is stated once, this statement reads it as a table.
    const tiers = (Object.keys(WALLET_TIERS) as WalletTier[]).map((from) => {
      const to = upgradedTier(from);
      return Prisma.sql`(${from}, ${to}, ${WALLET_TIERS[to].dailyLimit}::numeric, ${WALLET_TIERS[to].monthlyLimit}::numeric)`;
    });
    const [row] = await runStatement<{ to_type: WalletTier }>(this.db, Prisma.sql`
      WITH facts AS (
        SELECT w.id AS wallet_id, w.wallet_type::text AS from_type
        FROM kyc_records k JOIN users u ON u.id = k.user_id JOIN wallets w ON w.user_id = k.user_id
        WHERE k.id = ${recordId}::uuid AND k.status = 'approved' AND u.is_active AND w.upgraded_by_record_id IS DISTINCT FROM ${recordId}::uuid
        -- The wallet locked too: a second upgrade waiting here re-reads it, finds it upgraded by
        -- this record, and goes to the transaction, which says so.
        FOR UPDATE OF k, w
      ), target AS (
        SELECT wallet_id, from_type, tiers.to_type, tiers.to_daily, tiers.to_monthly
          FROM facts JOIN (VALUES ${Prisma.join(tiers)}) AS tiers(from_type, to_type, to_daily, to_monthly) USING (from_type)
      ), upgraded AS (
        UPDATE wallets w
        SET wallet_type = to_type::"WalletType", is_kyc_verified = true, daily_limit = to_daily, monthly_limit = to_monthly,
            upgraded_at = ${at}::timestamptz, upgraded_by_record_id = ${recordId}::uuid, updated_at = ${at}::timestamptz
        FROM target WHERE w.id = target.wallet_id
        RETURNING target.from_type, target.to_type, target.to_daily, target.to_monthly
      ), audit AS (${insertEventSql(
        {
          recordId,
          type: 'WALLET_UPGRADED',
          actor: { type: 'system' },
          reason: Prisma.sql`'Wallet upgraded from ' || from_type || ' to ' || to_type`,
          data: Prisma.sql`jsonb_build_object('from', from_type, 'to', to_type, 'dailyLimit', to_daily::text, 'monthlyLimit', to_monthly::text)`,
          dedupeKey: `${recordId}:WALLET_UPGRADED`,
        },
        at,
        Prisma.sql`FROM upgraded`,
      )})
      SELECT to_type FROM upgraded`);
    return row ? { outcome: 'upgraded', walletType: row.to_type } : null;
  }

  private upgradeStepByStep(recordId: string): Promise<UpgradeResult> {
    return this.db.$transaction(async (tx) => {
      const read = () => tx.$queryRaw<{ user_id: string; status: string; is_active: boolean; wallet_id: string | null; wallet_type: WalletTier | null; upgraded_by: string | null }[]>`
        SELECT k.user_id::text AS user_id, k.status::text AS status, u.is_active, w.id::text AS wallet_id, w.wallet_type::text AS wallet_type, w.upgraded_by_record_id::text AS upgraded_by
        FROM kyc_records k JOIN users u ON u.id = k.user_id LEFT JOIN wallets w ON w.user_id = k.user_id
        WHERE k.id = ${recordId}::uuid
        FOR UPDATE OF k`;
      let [facts] = await read();
      if (!facts) throw new Error(`record ${recordId} does not exist`);
      if (facts.status !== 'approved') return { outcome: 'refused', reason: `record is ${facts.status}, not approved` };
      if (!facts.is_active) return { outcome: 'refused', reason: 'the account is deactivated; its wallet cannot be upgraded' };
      if (facts.wallet_id === null) {
        // Every account gets its wallet when it registers; one made before that rule gets it now.
        await openWallet(tx, facts.user_id);
        [facts] = await read();
      }
      const { wallet_id: walletId, wallet_type: from } = facts!;
      if (walletId === null || from === null) throw new Error(`the wallet of record ${recordId}'s owner could not be made`);
      if (facts!.upgraded_by === recordId) return { outcome: 'already_upgraded', walletType: from };
      const walletType = upgradedTier(from);
      const tier = WALLET_TIERS[walletType];
      const at = this.now();
      const event = {
        recordId,
        type: 'WALLET_UPGRADED',
        actor: { type: 'system' as const },
        reason: `Wallet upgraded from ${from} to ${walletType}`,
        data: { from, to: walletType, dailyLimit: tier.dailyLimit, monthlyLimit: tier.monthlyLimit },
        dedupeKey: `${recordId}:WALLET_UPGRADED`,
      };
      await tx.$executeRaw`
        WITH upgraded AS (
          UPDATE wallets SET wallet_type = ${walletType}::text::"WalletType", is_kyc_verified = true, daily_limit = ${tier.dailyLimit}::numeric, monthly_limit = ${tier.monthlyLimit}::numeric,
                 upgraded_at = ${at}::timestamptz, upgraded_by_record_id = ${recordId}::uuid, updated_at = ${at}::timestamptz
          WHERE id = ${walletId}::uuid
          RETURNING id
        )
        ${insertEventSql(event, at, Prisma.sql`FROM upgraded`)}`;
      return { outcome: 'upgraded', walletType };
    });
  }
}

/** The columns of a new wallet: the basic tier. */
export function basicLimits() {
  return { walletType: 'basic' as const, dailyLimit: WALLET_TIERS.basic.dailyLimit, monthlyLimit: WALLET_TIERS.basic.monthlyLimit };
}
