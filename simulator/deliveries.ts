// Webhook delivery the way Veriff does it: signed over the exact bytes sent, retried on any non-2xx.
// Veriff retries hourly for a week; the simulator compresses that into a short, finite schedule.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signPayload } from '../vendors/veriff/signature';
import { type DeliveryRecord, type SimulatorStore } from './store';

export interface DelivererOptions {
  url: string | undefined;
  apiKey: string;
  secret: string;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  /** Aborted by close(): stops in-flight requests and pending retries. */
  signal: AbortSignal;
  store: SimulatorStore;
  /** Registers retry chains so close() can wait for them to wind down. */
  track: (task: Promise<unknown>) => void;
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

interface Job {
  deliveryId: string;
  kind: DeliveryRecord['kind'];
  sessionId: string;
  url: string;
  body: unknown;
  rawBody: string;
  signature: string;
}

export class WebhookDeliverer {
  constructor(private readonly options: DelivererOptions) {}

  /**
   * Sends once and resolves with that first attempt (null when no webhook URL is configured);
   * failed attempts are retried in the background.
   */
  async deliver(kind: DeliveryRecord['kind'], sessionId: string, body: unknown): Promise<DeliveryRecord | null> {
    const { url } = this.options;
    if (url === undefined) return null;
    // Serialised once so the signature covers precisely the bytes on the wire.
    const rawBody = JSON.stringify(body);
    const job: Job = {
      deliveryId: crypto.randomUUID(),
      kind,
      sessionId,
      url,
      body,
      rawBody,
      signature: signPayload(rawBody, this.options.secret),
    };
    const first = await this.attempt(job, 1);
    if (!succeeded(first)) this.options.track(this.retry(job));
    return first;
  }

  private async retry(job: Job): Promise<void> {
    const { store } = this.options;
    const delays = store.faultProfile.retryDelaysMs ?? this.options.retryDelaysMs;
    try {
      for (const [index, delay] of delays.entries()) {
        await sleep(delay, undefined, { signal: this.options.signal });
        if (succeeded(await this.attempt(job, index + 2))) return;
      }
      store.faultCounts.webhooksUndelivered += 1;
    } catch (error) {
      if (!isAbort(error)) throw error;
    }
  }

  private async attempt(job: Job, attempt: number): Promise<DeliveryRecord> {
    this.options.signal.throwIfAborted();
    let httpStatus: number | null = null;
    let error: string | null = null;
    const sentAt = new Date().toISOString();
    try {
      const response = await fetch(job.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-AUTH-CLIENT': this.options.apiKey,
          'X-HMAC-SIGNATURE': job.signature,
          'vrf-auth-client': this.options.apiKey,
          'vrf-hmac-signature': job.signature,
        },
        body: job.rawBody,
        redirect: 'manual',
        signal: AbortSignal.any([this.options.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      // Drained so the connection can be reused; Veriff ignores the answer body.
      await response.arrayBuffer();
      httpStatus = response.status;
    } catch (caught) {
      if (this.options.signal.aborted) throw caught;
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const record: DeliveryRecord = {
      deliveryId: job.deliveryId,
      attempt,
      kind: job.kind,
      sessionId: job.sessionId,
      url: job.url,
      body: job.body,
      rawBody: job.rawBody,
      signature: job.signature,
      httpStatus,
      error,
      sentAt,
      at: new Date().toISOString(),
    };
    this.options.store.recordDelivery(record);
    return record;
  }
}

function succeeded(record: DeliveryRecord): boolean {
  return record.httpStatus !== null && record.httpStatus >= 200 && record.httpStatus < 300;
}
