import { createHash, randomBytes } from 'node:crypto';
import { type Db } from '../infra/db';
import { insertAccount } from './users';

// Service accounts: integrating systems that call the document check (POST /api/v1/verify) with an
// API key instead of signing in. An account is a `users` row with the service role (deactivating it
// refuses its key at once); its key is shown once at creation and only its SHA-256 is kept (a key
// is 256 random bits: a fast hash cannot be reversed, and every request can afford it).

export const SERVICE_KEY_PREFIX = 'kyc_sk_';
const KEY_BYTES = 32;
// What the account list shows of a key to tell keys apart: the prefix and a few characters.
const SHOWN_CHARACTERS = SERVICE_KEY_PREFIX.length + 6;

const hashOf = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export interface ServiceAccount {
  id: string;
  username: string;
  keyPrefix: string;
  createdAt: Date;
}

export class ServiceAccountStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates the account, its key and the trail entry in one transaction; the key is returned once. */
  async create(input: { username: string; actorId: string; reason: string }): Promise<{ account: ServiceAccount; key: string }> {
    const key = `${SERVICE_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;
    const keyPrefix = key.slice(0, SHOWN_CHARACTERS);
    return this.db.$transaction(async (tx) => {
      const user = await insertAccount(tx, { username: input.username, role: 'service' }, { actor: { userId: input.actorId }, reason: input.reason });
      await tx.serviceApiKey.create({ data: { userId: user.id, prefix: keyPrefix, keyHash: hashOf(key), createdBy: input.actorId } });
      return { account: { id: user.id, username: user.username, keyPrefix, createdAt: user.createdAt }, key };
    });
  }

  /** The account a key belongs to, while the key is not revoked and the account is active. */
  async authenticate(key: string): Promise<{ userId: string; username: string } | null> {
    if (!key.startsWith(SERVICE_KEY_PREFIX)) return null;
    const row = await this.db.serviceApiKey.findUnique({ where: { keyHash: hashOf(key) }, select: { id: true, revokedAt: true, user: { select: { id: true, username: true, role: true, isActive: true } } } });
    if (!row || row.revokedAt || !row.user.isActive || row.user.role !== 'service') return null;
    await this.db.serviceApiKey.update({ where: { id: row.id }, data: { lastUsedAt: this.now() } });
    return { userId: row.user.id, username: row.user.username };
  }
}
