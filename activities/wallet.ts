import { ApplicationFailure } from '@temporalio/activity';
import { WALLET_TIERS } from '../domain/wallet';
import { type Db } from '../infra/db';

export function createWalletActivities(db: Db, now: () => Date) {
  return {
    // Exactly once: the wallet remembers which approval upgraded it, in the same transaction as
    // the upgrade and its audit event, so a retry after a crash finds the work done.
    async upgradeWallet(input: { recordId: string }): Promise<{ upgraded: boolean; walletType: string }> {
      return db.$transaction(async (tx) => {
        const record = await tx.kycRecord.findUniqueOrThrow({ where: { id: input.recordId }, select: { userId: true, status: true, user: { select: { isActive: true } } } });
        if (record.status !== 'approved') {
          throw ApplicationFailure.nonRetryable(`record is ${record.status}, not approved`, 'WalletUpgradeRefused');
        }
        if (!record.user.isActive) {
          throw ApplicationFailure.nonRetryable('the account is deactivated; its wallet cannot be upgraded', 'WalletUpgradeRefused');
        }
        const wallet = await tx.wallet.upsert({ where: { userId: record.userId }, create: { userId: record.userId }, update: {} });
        if (wallet.upgradedByRecordId === input.recordId) return { upgraded: false, walletType: wallet.walletType };
        // A customer already on a higher tier keeps it.
        const walletType = wallet.walletType === 'premium' ? 'premium' : 'verified';
        const tier = WALLET_TIERS[walletType];
        await tx.wallet.update({
          where: { id: wallet.id },
          data: {
            walletType,
            isKycVerified: true,
            dailyLimit: tier.dailyLimit,
            monthlyLimit: tier.monthlyLimit,
            upgradedAt: now(),
            upgradedByRecordId: input.recordId,
          },
        });
        await tx.kycEvent.create({
          data: {
            kycRecordId: input.recordId,
            eventType: 'WALLET_UPGRADED',
            actorType: 'system',
            reason: `Wallet upgraded from ${wallet.walletType} to ${walletType}`,
            data: { from: wallet.walletType, to: walletType, dailyLimit: tier.dailyLimit, monthlyLimit: tier.monthlyLimit },
            dedupeKey: `${input.recordId}:WALLET_UPGRADED`,
          },
        });
        return { upgraded: true, walletType };
      });
    },
  };
}
