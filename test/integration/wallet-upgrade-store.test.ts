// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WALLET_TIERS, type WalletTier } from '../../domain/wallet';
import { type KycStatus } from '../../domain/status';
import { createDb, type Db } from '../../infra/db';
import { WalletStore } from '../../store/wallets';
import { createTestDatabase } from '../support/database';
import { raceOnHeldRecord } from '../support/races';

// The wallet upgrade of an approval (store/wallets.ts) on a real PostgreSQL: the common case is one
// statement, every other case the transaction that reads the facts first. Both must give the
// same outcomes, limits and audit event, once.

describe('the wallet upgrade of an approval, as stored', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let wallets: WalletStore;

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
    wallets = new WalletStore(db);
  });
  after(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  async function record(options: { status?: KycStatus; tier?: WalletTier | null; active?: boolean } = {}) {
    const tier = options.tier === undefined ? 'basic' : options.tier;
    const user = await db.user.create({
      data: {
        username: `wallet-${randomUUID().slice(0, 8)}`,
        role: 'customer',
        isActive: options.active ?? true,
        ...(tier ? { wallet: { create: { walletType: tier, ...WALLET_TIERS[tier] } } } : {}),
      },
    });
    const id = randomUUID();
    await db.kycRecord.create({
      data: { id, userId: user.id, status: options.status ?? 'approved', nationality: 'GB', country: 'GB', documentType: 'passport', workflowId: `kyc-${id}`, workflowRunId: randomUUID() },
    });
    return { recordId: id, userId: user.id };
  }

  const walletOf = async (userId: string) => {
    const w = await db.wallet.findUniqueOrThrow({ where: { userId } });
    return { type: w.walletType, daily: w.dailyLimit.toFixed(2), monthly: w.monthlyLimit.toFixed(2), verified: w.isKycVerified, by: w.upgradedByRecordId };
  };
  const eventsOf = (recordId: string) => db.kycEvent.findMany({ where: { kycRecordId: recordId }, select: { eventType: true, reason: true, data: true, dedupeKey: true } });

  test('when an approved customer has a basic wallet, then it becomes verified with its limits and one audit event, and a retry finds it done', async () => {
    const { recordId, userId } = await record();
    assert.deepEqual(await wallets.upgradeForApproval(recordId), { outcome: 'upgraded', walletType: 'verified' });
    assert.deepEqual(await walletOf(userId), { type: 'verified', daily: '50000.00', monthly: '500000.00', verified: true, by: recordId });
    assert.deepEqual(await eventsOf(recordId), [
      {
        eventType: 'WALLET_UPGRADED',
        reason: 'Wallet upgraded from basic to verified',
        data: { from: 'basic', to: 'verified', dailyLimit: '50000.00', monthlyLimit: '500000.00' },
        dedupeKey: `${recordId}:WALLET_UPGRADED`,
      },
    ]);
    assert.deepEqual(await wallets.upgradeForApproval(recordId), { outcome: 'already_upgraded', walletType: 'verified' });
    assert.equal((await eventsOf(recordId)).length, 1);
  });

  test('when the customer is already premium, then the tier is kept with its limits', async () => {
    const { recordId, userId } = await record({ tier: 'premium' });
    assert.deepEqual(await wallets.upgradeForApproval(recordId), { outcome: 'upgraded', walletType: 'premium' });
    assert.deepEqual(await walletOf(userId), { type: 'premium', daily: '200000.00', monthly: '2000000.00', verified: true, by: recordId });
    assert.deepEqual((await eventsOf(recordId)).map((e) => [e.reason, e.data]), [['Wallet upgraded from premium to premium', { from: 'premium', to: 'premium', dailyLimit: '200000.00', monthlyLimit: '2000000.00' }]]);
  });

  test('when the record is not approved or the account is deactivated, then nothing changes and the refusal says why', async () => {
    const pending = await record({ status: 'under_review' });
    assert.deepEqual(await wallets.upgradeForApproval(pending.recordId), { outcome: 'refused', reason: 'record is under_review, not approved' });
    const inactive = await record({ active: false });
    assert.deepEqual(await wallets.upgradeForApproval(inactive.recordId), { outcome: 'refused', reason: 'the account is deactivated; its wallet cannot be upgraded' });
    for (const { recordId, userId } of [pending, inactive]) {
      assert.equal((await walletOf(userId)).type, 'basic');
      assert.deepEqual(await eventsOf(recordId), []);
    }
  });

  test('when the account has no wallet yet, then it gets one and it is upgraded', async () => {
    const { recordId, userId } = await record({ tier: null });
    assert.deepEqual(await wallets.upgradeForApproval(recordId), { outcome: 'upgraded', walletType: 'verified' });
    assert.deepEqual(await walletOf(userId), { type: 'verified', daily: '50000.00', monthly: '500000.00', verified: true, by: recordId });
  });

  test('when the same approval is upgraded twice at once, then one upgrade and one event are written', async () => {
    const { recordId } = await record();
    // Made certain: the record's row is held until both upgrades wait for it.
    const raced = await raceOnHeldRecord(db, recordId, [() => wallets.upgradeForApproval(recordId), () => wallets.upgradeForApproval(recordId)]);
    const outcomes = raced.map((r) => (r.status === 'fulfilled' ? r.value.outcome : `failed: ${String(r.reason)}`));
    assert.deepEqual(outcomes.sort(), ['already_upgraded', 'upgraded']);
    assert.equal((await eventsOf(recordId)).length, 1);
  });
});
