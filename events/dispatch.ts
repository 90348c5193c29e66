import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { webhookDeliveryWorkflowId, type WebhookRetryPolicy } from '../domain/webhooks';
import { type Db } from '../infra/db';
import { deliveriesToStart, markDeliveryStarted, recordDispatch, undispatchedEvents } from '../store/outbox';
import type { webhookDelivery } from '../workflows/webhook-delivery';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE } from '../workflows/webhook-delivery.contract';
import { quarantine, toCloudEvent } from './envelope';

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
    const rows = await undispatchedEvents(db, { ...(filter.recordId ? { recordId: filter.recordId } : {}), limit: this.batchSize });
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
    await recordDispatch(db, { eventIds: ids, deliveries, at: dispatchedAt });
    if (deliveries.length) await this.startPendingDeliveries({ outboxEventIds: ids });
    return valid.length;
  }

  /** Starts the workflows of pending deliveries that have none yet (all of them, or those of some events). */
  async startPendingDeliveries(filter: { outboxEventIds?: string[] } = {}): Promise<number> {
    const { db } = this.options;
    const pending = await deliveriesToStart(db, { ...(filter.outboxEventIds ? { outboxEventIds: filter.outboxEventIds } : {}), limit: this.batchSize });
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
    await markDeliveryStarted(db, delivery);
  }
}
