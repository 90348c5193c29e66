import { type Db } from '../infra/db';
import { hashPassword } from '../infra/passwords';
import { UserStore } from './users';

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
  const users = new UserStore(db);
  for (const account of DEMO_ACCOUNTS) {
    await users.ensureDemoAccount({ username: account.username, role: account.role }, () => hashPassword(account.password));
  }
}
