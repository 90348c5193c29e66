import { type Db } from '../infra/db';
import { hashPassword } from '../infra/passwords';
import { basicLimits } from './wallets';

// Demo accounts of the default setup (listed in README). The API's Postman-style walk-through logs in
// as testuser/testpass123. Never created in production (the config refuses it).
export const DEMO_ACCOUNTS = [
  { username: 'testuser', password: 'testpass123', role: 'customer' },
  { username: 'reviewer', password: 'reviewpass123', role: 'reviewer' },
  { username: 'senior', password: 'seniorpass123', role: 'senior_reviewer' },
  { username: 'admin', password: 'adminpass123', role: 'admin' },
  { username: 'auditor', password: 'auditpass123', role: 'auditor' },
] as const;

export async function ensureDemoAccounts(db: Db): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    const existing = await db.user.findUnique({ where: { username: account.username }, select: { id: true } });
    if (existing) continue;
    await db.user.create({
      data: {
        username: account.username,
        passwordHash: await hashPassword(account.password),
        role: account.role,
        ...(account.role === 'customer' ? { wallet: { create: basicLimits() } } : {}),
      },
    });
  }
}
