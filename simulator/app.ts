// A Veriff stand-in that honours the same wire contract, so switching VERIFF_BASE_URL to the real service
// changes nothing else. The control API and the hosted page exist only here.
import express, { type NextFunction, type Request, type Response } from 'express';
import { VERIFF_ERROR_CODES } from '../vendors/veriff/contract';
import { fail, SIM_CODES, veriffApiRouter, type ApiContext } from './api-routes';
import { controlRouter } from './control-routes';
import { isAbort, WebhookDeliverer } from './deliveries';
import { SessionFlows } from './flows';
import { hostedPageRouter } from './hosted-page';
import { SimulatorStore } from './store';

export interface SimulatorOptions {
  apiKey: string;
  apiSecret: string;
  /** Signs webhooks; Veriff uses the integration's shared secret, so it defaults to apiSecret. */
  webhookSecret?: string;
  /** Where webhooks go; undefined records decisions without delivering anything. */
  webhookUrl: string | undefined;
  /** Origin the simulator is reachable at from a browser, used in session URLs. */
  publicBaseUrl: string;
  /** Delay before magic-name sessions (Approve/Decline/Resubmit) decide themselves; null disables. */
  autoDecideDelayMs: number | null;
  /** Gap between consecutive webhooks of one flow (started, submitted, decision). Default 0. */
  eventDelayMs?: number;
  /** Waits before each retry of a failed delivery; its length bounds the retries. Default [500, 2000, 5000]. */
  deliveryRetryDelaysMs?: number[];
  /** Per delivery attempt. Default 5000. */
  deliveryTimeoutMs?: number;
}

export interface Simulator {
  app: express.Express;
  store: SimulatorStore;
  /** Stops timers, pending retries and in-flight deliveries; resolves once background work has wound down. */
  close(): Promise<void>;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 2000, 5000];

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`veriff simulator: ${name} must be a non-negative number`);
  return value;
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const retryDelaysMs = (options.deliveryRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS).map((ms) => nonNegative('deliveryRetryDelaysMs', ms));
  const eventDelayMs = nonNegative('eventDelayMs', options.eventDelayMs ?? 0);
  const autoDecideDelayMs = options.autoDecideDelayMs === null ? null : nonNegative('autoDecideDelayMs', options.autoDecideDelayMs);
  const publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');

  const lifetime = new AbortController();
  const pending = new Set<Promise<unknown>>();
  const track = (task: Promise<unknown>): void => {
    const settled = task.catch(() => undefined).finally(() => pending.delete(settled));
    pending.add(settled);
  };

  const store = new SimulatorStore();
  const deliverer = new WebhookDeliverer({
    url: options.webhookUrl,
    apiKey: options.apiKey,
    secret: options.webhookSecret ?? options.apiSecret,
    retryDelaysMs,
    timeoutMs: options.deliveryTimeoutMs ?? 5000,
    signal: lifetime.signal,
    store,
    track,
  });
  const flows = new SessionFlows({ store, deliverer, eventDelayMs, autoDecideDelayMs, signal: lifetime.signal, track });
  const ctx: ApiContext = { apiKey: options.apiKey, apiSecret: options.apiSecret, publicBaseUrl, store, flows };

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/v1', veriffApiRouter(ctx));
  app.use('/control', controlRouter(ctx));
  app.use('/v', hostedPageRouter(ctx));
  app.use((_req, res) => fail(res, 404, SIM_CODES.notFound, 'Not found.'));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    // Closing mid-request aborts the flow; there is nobody left to tell.
    if (isAbort(error)) return fail(res, 503, SIM_CODES.shuttingDown, 'Simulator is shutting down.');
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 500) console.error('veriff simulator: request failed', error);
    fail(res, status, status >= 500 ? SIM_CODES.internal : VERIFF_ERROR_CODES.invalidParameters, status >= 500 ? 'Internal simulator error.' : 'Malformed request.');
  });

  return {
    app,
    store,
    async close() {
      lifetime.abort();
      await Promise.all([...pending]);
    },
  };
}
