import { type Config } from '../domain/config';
import { EVENT_TYPES } from '../domain/events';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { generateWebhookSecret } from './signing';

// The customer notifications (KYC_NOTIFY_URL) are an ordinary webhook subscription that
// configuration owns: created or brought up to date at every start, with every event type (as the
// single notification endpoint used to receive), removed when the variable is unset. Admins may
// pause and resume it like any other; its secret is KYC_NOTIFY_SECRET, or one generated once.

export const NOTIFY_URL_MANAGER = 'KYC_NOTIFY_URL';

export async function ensureConfiguredSubscription(db: Db, cipher: PiiCipher, config: Pick<Config, 'KYC_NOTIFY_URL' | 'KYC_NOTIFY_SECRET'>): Promise<string | null> {
  if (!config.KYC_NOTIFY_URL) {
    await db.webhookSubscription.deleteMany({ where: { managedBy: NOTIFY_URL_MANAGER } });
    return null;
  }
  const existing = await db.webhookSubscription.findUnique({ where: { managedBy: NOTIFY_URL_MANAGER }, select: { secretEnc: true } });
  const secretEnc = config.KYC_NOTIFY_SECRET ? cipher.encrypt(config.KYC_NOTIFY_SECRET) : (existing?.secretEnc ?? cipher.encrypt(generateWebhookSecret()));
  const fields = { url: config.KYC_NOTIFY_URL, eventTypes: [...EVENT_TYPES], secretEnc, description: 'Customer notifications (KYC_NOTIFY_URL)' };
  const subscription = await db.webhookSubscription.upsert({
    where: { managedBy: NOTIFY_URL_MANAGER },
    create: { ...fields, managedBy: NOTIFY_URL_MANAGER },
    update: fields,
    select: { id: true },
  });
  return subscription.id;
}
