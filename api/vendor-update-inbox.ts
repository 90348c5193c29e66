import { deliverVendorUpdate, redeliveryOf, type VendorDelivery } from './use-cases/deliver-vendor-update';
import { type UseCaseDeps } from './use-cases/deps';

// The webhook inbox. Veriff is answered as soon as its webhook is stored; the receipt is handed to
// its verification's workflow right after, off the request path, so an answer costs a signature
// check and a few statements, and a slow or restarting Temporal holds up no vendor. Updates for
// one verification are handed over in the order they came; at most `concurrency` at once.
//
// The store is the inbox: a receipt not yet processed carries a lease (dispatch_after). If this
// process dies, or Temporal cannot be reached, the lease runs out and the redelivery loop (of
// this process or another API process) takes the receipt again, with a longer lease each time.
// The decision poll of the workflow is the second net for a decision that never arrives.

type InboxDeps = Pick<UseCaseDeps, 'stores' | 'temporal' | 'config' | 'logger'>;

export interface InboxOptions {
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How often the redelivery loop looks for receipts whose lease ran out. */
  sweepEveryMs?: number;
  /** Receipts taken per look. */
  batch?: number;
}

export class VendorUpdateInbox {
  private readonly concurrency: number;
  private readonly sweepEveryMs: number;
  private readonly batch: number;
  /** The last delivery queued for each verification: the next one waits for it. */
  private readonly queues = new Map<string, Promise<void>>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  /** Delivered receipts waiting to be closed, and the write that will close them. */
  private readonly closing: string[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly deps: InboxDeps,
    options: InboxOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.sweepEveryMs = options.sweepEveryMs ?? 5000;
    this.batch = options.batch ?? 100;
  }

  /** Queues a stored receipt for its workflow; returns at once (the receipt's lease covers a failure). */
  hand(delivery: VendorDelivery): void {
    const previous = this.queues.get(delivery.recordId) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(delivery));
    this.queues.set(delivery.recordId, next);
    void next.then(() => {
      if (this.queues.get(delivery.recordId) === next) this.queues.delete(delivery.recordId);
    });
  }

  /** Starts the redelivery loop (one per process that serves webhooks). */
  startRedelivery(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.redeliverDue(), this.sweepEveryMs);
    this.timer.unref();
  }

  /** Takes the receipts whose lease ran out and hands them over again; resolves when they are queued. */
  redeliverDue(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const due = await this.deps.stores.receipts.takeDue(this.batch);
        for (const receipt of due) {
          // One receipt that cannot be read does not hold up the others; its lease brings it back.
          const delivery = await redeliveryOf(this.deps, receipt).catch((err: unknown) => {
            this.deps.logger.error('could not prepare a webhook receipt for redelivery', { receiptId: receipt.id, error: errorName(err) });
            return null;
          });
          if (delivery) this.hand(delivery);
        }
        if (due.length) this.deps.logger.info('webhook receipts taken for redelivery', { count: due.length });
      } catch (err) {
        this.deps.logger.error('could not look for webhook receipts to redeliver', { error: errorName(err) });
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  /** Stops the loop and waits for what is queued (their leases cover what does not finish). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
    await Promise.all(this.queues.values());
  }

  private async deliver(delivery: VendorDelivery): Promise<void> {
    await this.slot();
    try {
      if ((await deliverVendorUpdate(this.deps, delivery)) === 'processed') await this.close(delivery.receiptId);
    } catch (err) {
      // Kept and leased: the redelivery loop hands it over again once the lease runs out.
      this.deps.logger.error('could not hand a webhook to its verification; it will be redelivered', { receiptId: delivery.receiptId, recordId: delivery.recordId, error: errorName(err) });
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight -= 1;
    }
  }

  /**
   * Closes a delivered receipt together with the others delivered meanwhile: one statement per
   * batch. Resolves when its batch is written; a batch that fails stays unprocessed and is
   * delivered again when its lease runs out (the workflow keeps one of each fact).
   */
  private close(receiptId: string): Promise<void> {
    this.closing.push(receiptId);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = this.closing.splice(0);
      this.flushing = null;
      try {
        await this.deps.stores.receipts.closeProcessed(batch);
      } catch (err) {
        this.deps.logger.error('could not close delivered webhook receipts; they will be delivered again', { count: batch.length, error: errorName(err) });
      }
    });
    return this.flushing;
  }

  private async slot(): Promise<void> {
    if (this.inFlight < this.concurrency) this.inFlight += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
}

const errorName = (err: unknown) => (err instanceof Error ? ((err as { code?: unknown }).code ?? err.name) : typeof err);
