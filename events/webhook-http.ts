import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { type AddressPolicy, guardedLookup, isLiteralAddressRefused } from './ssrf-guard';

// One delivery attempt over HTTP: POST the signed body, keep the status code and latency, drop the
// response body unread (a subscriber's answer may hold anything, and is never stored). Redirects
// are not followed: the signature was made for this URL, and a redirect could lead past the guard.
// node:http ignores HTTP(S)_PROXY, so no proxy can route around the guard either.

export type AttemptOutcome = 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'refused_address';

export interface AttemptResult {
  outcome: AttemptOutcome;
  responseStatus: number | null;
  /** The socket error's code (ECONNREFUSED, ENOTFOUND, EADDRFORBIDDEN, ...), never a message. */
  errorCode: string | null;
  latencyMs: number;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  policy: AddressPolicy;
}

const USER_AGENT = 'kyc-service-webhooks/1';

export function postWebhook(request: WebhookRequest): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(request.url);
  if (isLiteralAddressRefused(url.hostname, request.policy)) {
    return Promise.resolve({ outcome: 'refused_address', responseStatus: null, errorCode: 'EADDRFORBIDDEN', latencyMs: elapsed() });
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'user-agent': USER_AGENT, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: guardedLookup(request.policy),
        agent: false,
      },
      // The status line decides; the body is not read at all.
      (res) => {
        const status = res.statusCode ?? 0;
        finish({ outcome: status >= 200 && status < 300 ? 'delivered' : 'http_error', responseStatus: status, errorCode: null });
        res.destroy();
      },
    );
    const timer = setTimeout(() => {
      finish({ outcome: 'timeout', responseStatus: null, errorCode: 'ETIMEDOUT' });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = typeof err.code === 'string' ? err.code.slice(0, 40) : 'ENETWORK';
      finish({ outcome: code === 'EADDRFORBIDDEN' ? 'refused_address' : 'network_error', responseStatus: null, errorCode: code });
    });
    req.end(request.body);
  });
}
