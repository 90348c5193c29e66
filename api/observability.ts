import { randomUUID } from 'node:crypto';
import { type Request, type RequestHandler, type Response } from 'express';
import { type ApiMetrics } from '../infra/metrics';
import { runWithLogContext } from '../infra/log-context';
import { type Logger } from '../infra/logger';
import { webhookReceiptResponseSchema } from './routes/veriff-webhook';
import { ROUTE_PATTERN_LOCAL } from './problem';

// Per request: a request id (the caller's X-Request-Id when it is sane, else a new one) that
// every log line written while serving it carries and the response echoes; one access-log line;
// and the Prometheus observations. Routes are named by their pattern, never the raw URL (ids and
// query strings stay out of logs and out of metric labels).

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const WEBHOOK_PATH = '/api/kyc/webhook/veriff';
// Probes call every few seconds: their access log is debug.
const QUIET_ROUTES = new Set(['/api/v1/health', '/api/v1/ready']);

function routeOf(req: Request, res: Response): string {
  const pattern = res.locals[ROUTE_PATTERN_LOCAL];
  if (typeof pattern === 'string') return pattern;
  // Plain Express routers (the review API): the mount path plus the matched route's path.
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}

// The webhook's verdict and outcome, read from its answer (api/routes/veriff-webhook.ts).
function webhookLabels(req: Request, status: number, body: unknown): { verdict: 'valid' | 'invalid' | 'missing'; outcome: string } {
  if (status === 401) return { verdict: req.header('x-hmac-signature') || req.header('vrf-hmac-signature') ? 'invalid' : 'missing', outcome: 'rejected_signature' };
  const parsed = webhookReceiptResponseSchema.safeParse(body);
  if (parsed.success) return { verdict: 'valid', outcome: parsed.data.outcome };
  const outcome = status === 400 ? 'malformed' : status === 413 ? 'too_large' : status === 429 ? 'rate_limited' : status === 503 ? 'undelivered' : 'error';
  return { verdict: 'valid', outcome };
}

export function requestObservability(logger: Logger, metrics?: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header(REQUEST_ID_HEADER);
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();

    let replyBody: unknown;
    const isWebhook = req.path.replace(/\/$/, '').toLowerCase() === WEBHOOK_PATH;
    if (isWebhook) {
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        replyBody = body;
        return json(body);
      };
    }

    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req, res);
      const fields = { requestId, method: req.method, route, status: res.statusCode, durationMs: Math.round(seconds * 1000) };
      if (QUIET_ROUTES.has(route)) logger.debug('request', fields);
      else logger.info('request', fields);
      metrics?.observeRequest({ method: req.method, route, status: res.statusCode }, seconds);
      if (isWebhook && req.method === 'POST') metrics?.observeWebhook(webhookLabels(req, res.statusCode, replyBody));
    });
    runWithLogContext({ requestId }, next);
  };
}
