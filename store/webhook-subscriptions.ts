import { type Prisma, type WebhookDelivery, type WebhookDeliveryAttempt, type WebhookDeliveryStatus, type WebhookSubscription, type WebhookSubscriptionStatus } from '../generated/prisma/client';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { afterKey, type PageRequest } from './keyset';

// Webhook subscriptions as admins manage them, and their delivery log. The signing secret is
// stored encrypted; the fan-out (events/dispatch.ts) and the delivery workflow read the rest.

export type DeliveryWithAttempts = WebhookDelivery & { attemptLog: WebhookDeliveryAttempt[] };

export interface NewSubscription {
  url: string;
  eventTypes: string[];
  description: string | null;
  secret: string;
  createdBy: string;
}

export interface DeliveryFilter extends PageRequest {
  subscriptionId: string;
  status?: WebhookDeliveryStatus;
}

const ATTEMPT_LOG = { attemptLog: { orderBy: { startedAt: 'asc' } } } as const satisfies Prisma.WebhookDeliveryInclude;

/** The subscription configuration owns (KYC_NOTIFY_URL), told apart from those admins register. */
export const NOTIFY_URL_MANAGER = 'KYC_NOTIFY_URL';

export class WebhookSubscriptionStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: PiiCipher,
  ) {}

  /**
   * The customer notifications (KYC_NOTIFY_URL) are an ordinary webhook subscription that
   * configuration owns: created or brought up to date at every start, with every event type,
   * removed when the variable is unset. Admins may pause and resume it like any other; its secret
   * is the configured one, or one generated once (`newSecret`) and kept.
   */
  async ensureConfigured(input: { url: string | undefined; secret: string | undefined; eventTypes: readonly string[]; newSecret: () => string }): Promise<string | null> {
    if (!input.url) {
      await this.db.webhookSubscription.deleteMany({ where: { managedBy: NOTIFY_URL_MANAGER } });
      return null;
    }
    const existing = await this.db.webhookSubscription.findUnique({ where: { managedBy: NOTIFY_URL_MANAGER }, select: { secretEnc: true } });
    const secretEnc = input.secret ? this.cipher.encrypt(input.secret) : (existing?.secretEnc ?? this.cipher.encrypt(input.newSecret()));
    const fields = { url: input.url, eventTypes: [...input.eventTypes], secretEnc, description: 'Customer notifications (KYC_NOTIFY_URL)' };
    const subscription = await this.db.webhookSubscription.upsert({ where: { managedBy: NOTIFY_URL_MANAGER }, create: { ...fields, managedBy: NOTIFY_URL_MANAGER }, update: fields, select: { id: true } });
    return subscription.id;
  }

  async create(subscription: NewSubscription): Promise<WebhookSubscription> {
    const { secret, ...fields } = subscription;
    return this.db.webhookSubscription.create({ data: { ...fields, secretEnc: this.cipher.encrypt(secret) } });
  }

  async find(id: string): Promise<WebhookSubscription | null> {
    return this.db.webhookSubscription.findUnique({ where: { id } });
  }

  /** Newest first, one page (limit + 1 rows). */
  async list(request: PageRequest): Promise<WebhookSubscription[]> {
    return this.db.webhookSubscription.findMany({ where: afterKey(request.after), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: request.limit + 1 });
  }

  async setStatus(id: string, status: WebhookSubscriptionStatus): Promise<WebhookSubscription> {
    return this.db.webhookSubscription.update({ where: { id }, data: { status } });
  }

  /** Removes the subscription; its deliveries and their log go with it (cascade). */
  async delete(id: string): Promise<void> {
    await this.db.webhookSubscription.deleteMany({ where: { id } });
  }

  /** The pending deliveries whose workflow was started: they wait for their next attempt. */
  async waitingDeliveries(subscriptionId: string): Promise<{ id: string; generation: number }[]> {
    return this.db.webhookDelivery.findMany({ where: { subscriptionId, status: 'pending', workflowStartedAt: { not: null } }, select: { id: true, generation: true } });
  }

  /** The delivery log, newest first, one page (limit + 1 rows), each delivery with its attempts oldest first. */
  async listDeliveries(filter: DeliveryFilter): Promise<DeliveryWithAttempts[]> {
    const where: Prisma.WebhookDeliveryWhereInput = { AND: [{ subscriptionId: filter.subscriptionId }, filter.status ? { status: filter.status } : {}, afterKey(filter.after)] };
    return this.db.webhookDelivery.findMany({ where, include: ATTEMPT_LOG, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
  }

  async findDelivery(subscriptionId: string, deliveryId: string): Promise<WebhookDelivery | null> {
    return this.db.webhookDelivery.findFirst({ where: { id: deliveryId, subscriptionId } });
  }

  async delivery(id: string): Promise<DeliveryWithAttempts> {
    return this.db.webhookDelivery.findUniqueOrThrow({ where: { id }, include: ATTEMPT_LOG });
  }

  /**
   * Makes the delivery pending again under a new generation, with no workflow yet: the caller
   * starts that generation's workflow; a run of the previous one stops at its next attempt.
   */
  async renewDelivery(delivery: Pick<WebhookDelivery, 'id' | 'generation'>): Promise<{ id: string; generation: number }> {
    const generation = delivery.generation + 1;
    await this.db.webhookDelivery.update({ where: { id: delivery.id }, data: { generation, status: 'pending', completedAt: null, nextAttemptAt: null, workflowStartedAt: null } });
    return { id: delivery.id, generation };
  }
}
