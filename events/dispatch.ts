import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { webhookDeliveryWorkflowId, type WebhookRetryPolicy } from '../domain/webhooks';
import { Prisma } from '../generated/prisma/client';
import { type Db, runStatement } from '../infra/db';
import type { webhookDelivery } from '../workflows/webhook-delivery';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE } from '../workflows/webhook-delivery.contract';
import { type OutboxRow, quarantine, toCloudEvent } from './envelope';

// Webhook fan-out: each outbox event becomes one delivery per subscription that wants its type
// (paused ones too: their deliveries wait), and each delivery one webhookDelivery workflow. Both
// steps are idempotent (a unique (subscription, event) pair; the workflow id names the delivery
// and its generation, and a duplicate start is refused), so the verification workflow's own
// call, the relay's sweep and a retried activity may all run it at once: one delivery, one run.

export interface WebhookDispatcherOptions {
  db: Db;
  temporal: Client;
  /** Task queue of the workers that run webhookDelivery (the KYC worker's). */
  taskQueue: string;
  policy: WebhookRetryPolicy;
  batchSize?: number;
}

const DEFAULT_BATCH = 200;
const START_CONCURRENCY = 16;

export class WebhookDispatcher {
  private readonly batchSize: number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
  }

  /**
   * Fans out one batch of undispatched events (of one record, when given) and starts their
   * deliveries. Returns how many events it dispatched.
   */
  async dispatch(filter: { recordId?: string } = {}): Promise<number> {
    const { db } = this.options;
    // Each event with the subscriptions that want its type, in one statement on the driver: the
    // verification workflow calls this after every change its customer sees.
    const rows = await runStatement<OutboxRow & { subscriptionIds: string[] }>(
      db,
      Prisma.sql`
        SELECT o.id::text AS id, o.type, o.source, o.subject, o.subject_seq AS "subjectSeq", o.data, o.created_at AS "createdAt",
               ARRAY(SELECT s.id::text FROM webhook_subscriptions s WHERE o.type = ANY(s.event_types) ORDER BY s.id) AS "subscriptionIds"
        FROM outbox_events o
        WHERE o.dispatched_at IS NULL AND o.quarantined_at IS NULL ${filter.recordId ? Prisma.sql`AND o.kyc_record_id = ${filter.recordId}::uuid` : Prisma.empty}
        ORDER BY o.position
        LIMIT ${this.batchSize}::int`,
    );
    if (rows.length === 0) return 0;
    const valid: typeof rows = [];
    for (const row of rows) {
      try {
        toCloudEvent(row);
        valid.push(row);
      } catch (err) {
        await quarantine(db, row.id, err);
      }
    }
    const deliveries = valid.flatMap((row) => row.subscriptionIds.map((subscriptionId) => ({ subscriptionId, outboxEventId: row.id, eventType: row.type })));
    const ids = valid.map((row) => row.id);
    const dispatchedAt = new Date();
    if (deliveries.length) {
      await db.$transaction([db.webhookDelivery.createMany({ data: deliveries, skipDuplicates: true }), db.outboxEvent.updateMany({ where: { id: { in: ids }, dispatchedAt: null }, data: { dispatchedAt } })]);
    } else {
      // Without a subscriber that wants them, marking the events is the whole change: no transaction around one statement.
      await runStatement(db, Prisma.sql`UPDATE outbox_events SET dispatched_at = ${dispatchedAt}::timestamptz WHERE id = ANY(${ids}::uuid[]) AND dispatched_at IS NULL`);
    }
    if (deliveries.length) await this.startPendingDeliveries({ outboxEventIds: ids });
    return valid.length;
  }

  /** Starts the workflows of pending deliveries that have none yet (all of them, or those of some events). */
  async startPendingDeliveries(filter: { outboxEventIds?: string[] } = {}): Promise<number> {
    const { db } = this.options;
    const pending = await db.webhookDelivery.findMany({
      where: { status: 'pending', workflowStartedAt: null, ...(filter.outboxEventIds ? { outboxEventId: { in: filter.outboxEventIds } } : {}) },
      orderBy: { createdAt: 'asc' },
      take: this.batchSize,
      select: { id: true, generation: true },
    });
    for (let i = 0; i < pending.length; i += START_CONCURRENCY) {
      // A generation after the first is a redelivery someone asked for (only a manual redelivery
      // renews one): started here when its own start was cut short, or when this sweep got to it
      // first, it is still theirs.
      await Promise.all(pending.slice(i, i + START_CONCURRENCY).map((delivery) => this.startDelivery(delivery, delivery.generation > 1 ? 'manual' : 'automatic')));
    }
    return pending.length;
  }

  /** Starts the delivery's workflow for its current generation, unless it exists (or existed). */
  async startDelivery(delivery: { id: string; generation: number }, trigger: 'automatic' | 'manual'): Promise<void> {
    const { db, temporal, taskQueue, policy } = this.options;
    try {
      await temporal.workflow.start<typeof webhookDelivery>(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: webhookDeliveryWorkflowId(delivery.id, delivery.generation),
        args: [{ deliveryId: delivery.id, generation: delivery.generation, trigger, policy }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await db.webhookDelivery.updateMany({ where: { id: delivery.id, generation: delivery.generation, workflowStartedAt: null }, data: { workflowStartedAt: new Date() } });
  }
}
