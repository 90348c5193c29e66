// Wallet tiers and their limits: the one table of them (the database has no defaults).
// Basic wallets start at 10 000 daily / 100 000 monthly; a verified identity raises them.
export const WALLET_TIERS = {
  basic: { dailyLimit: '10000.00', monthlyLimit: '100000.00' },
  verified: { dailyLimit: '50000.00', monthlyLimit: '500000.00' },
  premium: { dailyLimit: '200000.00', monthlyLimit: '2000000.00' },
} as const;

export type WalletTier = keyof typeof WALLET_TIERS;

/** The tier an approval upgrades a wallet to: verified, and a customer already on a higher tier keeps it. */
export function upgradedTier(from: WalletTier): WalletTier {
  return from === 'premium' ? 'premium' : 'verified';
}
