import { type WalletTier } from '../domain/wallet';
import { type WalletStore } from '../store/wallets';
import { nonRetryable } from './failures';

export function createWalletActivities(wallets: WalletStore) {
  return {
    /** Exactly once per approval; a refusal (record not approved, account closed) fails for good and the approval is compensated. */
    async upgradeWallet(input: { recordId: string }): Promise<{ upgraded: boolean; walletType: WalletTier }> {
      const result = await wallets.upgradeForApproval(input.recordId);
      if (result.outcome === 'refused') throw nonRetryable('WalletUpgradeRefused', result.reason);
      return { upgraded: result.outcome === 'upgraded', walletType: result.walletType };
    },
  };
}
