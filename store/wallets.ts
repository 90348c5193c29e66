import { WALLET_TIERS, type WalletTier } from '../domain/wallet';
import { type Db } from '../infra/db';
import { appendEvent } from './audit';

// Wallets and their limits. The limits come from domain/wallet.ts alone (the table has no defaults).

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
    return this.db.$transaction(async (tx) => {
      const record = await tx.kycRecord.findUniqueOrThrow({ where: { id: recordId }, select: { userId: true, status: true, user: { select: { isActive: true } } } });
      if (record.status !== 'approved') return { outcome: 'refused', reason: `record is ${record.status}, not approved` };
      if (!record.user.isActive) return { outcome: 'refused', reason: 'the account is deactivated; its wallet cannot be upgraded' };
      const wallet = await tx.wallet.upsert({ where: { userId: record.userId }, create: { userId: record.userId, ...basicLimits() }, update: {} });
      if (wallet.upgradedByRecordId === recordId) return { outcome: 'already_upgraded', walletType: wallet.walletType };
      // A customer already on a higher tier keeps it.
      const walletType: WalletTier = wallet.walletType === 'premium' ? 'premium' : 'verified';
      const tier = WALLET_TIERS[walletType];
      await tx.wallet.update({
        where: { id: wallet.id },
        data: { walletType, isKycVerified: true, dailyLimit: tier.dailyLimit, monthlyLimit: tier.monthlyLimit, upgradedAt: this.now(), upgradedByRecordId: recordId },
      });
      await appendEvent(tx, {
        recordId,
        type: 'WALLET_UPGRADED',
        actor: { type: 'system' },
        reason: `Wallet upgraded from ${wallet.walletType} to ${walletType}`,
        data: { from: wallet.walletType, to: walletType, dailyLimit: tier.dailyLimit, monthlyLimit: tier.monthlyLimit },
        dedupeKey: `${recordId}:WALLET_UPGRADED`,
      });
      return { outcome: 'upgraded', walletType };
    });
  }
}

/** The columns of a new wallet: the basic tier. */
export function basicLimits() {
  return { walletType: 'basic' as const, dailyLimit: WALLET_TIERS.basic.dailyLimit, monthlyLimit: WALLET_TIERS.basic.monthlyLimit };
}
