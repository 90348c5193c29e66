import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Logger } from './logger';

// Prometheus metrics of an API process, served on their own port (METRICS_PORT) so the public
// load balancer never exposes them. Counters and histograms are this process's; the gauges
// under "database" are counted in PostgreSQL on each scrape, so every API process reports the
// same values for them: aggregate those with max(), not sum().

export interface ApiMetrics {
  readonly registry: Registry;
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  observeWebhook(labels: { verdict: 'valid' | 'invalid' | 'missing'; outcome: string }): void;
  /** The text exposition, the database gauges refreshed first. */
  render(): Promise<string>;
}

export const METRIC_NAMES = {
  httpRequests: 'kyc_http_requests_total',
  httpDuration: 'kyc_http_request_duration_seconds',
  webhooks: 'kyc_veriff_webhooks_total',
  reviewTasksOpen: 'kyc_review_tasks_open',
  outboxUnpublished: 'kyc_outbox_unpublished',
  verificationsActive: 'kyc_verifications_active',
  verificationsStuck: 'kyc_verifications_stuck',
  verificationOutcomes: 'kyc_verification_outcomes_24h',
  reviewDecisions: 'kyc_review_decisions_24h',
  alertsOpen: 'kyc_ops_alerts_open',
  databaseUp: 'kyc_metrics_database_up',
} as const;

/** The figures the database gauges show, read on each scrape (store/ops-queries.ts gaugeSnapshot). */
export interface GaugeSnapshot {
  reviewTasksOpen: Record<string, number>;
  outboxUnpublished: number;
  verificationsActive: Record<string, number>;
  verificationsStuck: number;
  outcomes24h: Record<string, number>;
  reviewDecisions24h: Record<string, number>;
  alertsOpen: { kind: string; severity: string; count: number }[];
}

export function createApiMetrics(deps: { readGauges: () => Promise<GaugeSnapshot>; logger?: Logger }): ApiMetrics {
  const { readGauges, logger } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({ name: METRIC_NAMES.httpRequests, help: 'HTTP requests answered, by route pattern (never the raw URL) and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: METRIC_NAMES.httpDuration,
    help: 'Time to answer, by route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const webhooks = new Counter({ name: METRIC_NAMES.webhooks, help: 'Veriff webhook calls by signature verdict and outcome', labelNames: ['verdict', 'outcome'], registers: [registry] });

  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const reviewTasksOpen = gauge(METRIC_NAMES.reviewTasksOpen, 'Open review tasks by level (database, on scrape)', ['level']);
  const outboxUnpublished = gauge(METRIC_NAMES.outboxUnpublished, 'Outbox events not yet dispatched to webhook subscribers or, with a broker, not yet confirmed by it (database, on scrape)');
  const verificationsActive = gauge(METRIC_NAMES.verificationsActive, 'Verifications not yet in a final status, by status (database, on scrape)', ['status']);
  const verificationsStuck = gauge(METRIC_NAMES.verificationsStuck, 'Verifications pending or in_progress for longer than KYC_ALERT_STUCK_RECORDS_THRESHOLD (database, on scrape)');
  const outcomes = gauge(METRIC_NAMES.verificationOutcomes, 'Verifications that reached a final status in the last 24 hours, by status (database, on scrape)', ['result']);
  const decisions = gauge(METRIC_NAMES.reviewDecisions, 'Reviewer decisions in the last 24 hours, by decision (database, on scrape)', ['decision']);
  const alertsOpen = gauge(METRIC_NAMES.alertsOpen, 'Ops alerts neither resolved nor acknowledged, by kind and severity (database, on scrape)', ['kind', 'severity']);
  const databaseUp = gauge(METRIC_NAMES.databaseUp, '1 when the database gauges could be read on this scrape, else 0');

  async function refreshDatabaseGauges(): Promise<void> {
    const snapshot = await readGauges();
    // Labels that vanished since the last scrape must not linger with their old value.
    for (const g of [reviewTasksOpen, verificationsActive, outcomes, decisions, alertsOpen]) g.reset();
    for (const [level, count] of Object.entries(snapshot.reviewTasksOpen)) reviewTasksOpen.set({ level }, count);
    outboxUnpublished.set(snapshot.outboxUnpublished);
    for (const [status, count] of Object.entries(snapshot.verificationsActive)) verificationsActive.set({ status }, count);
    verificationsStuck.set(snapshot.verificationsStuck);
    for (const [result, count] of Object.entries(snapshot.outcomes24h)) outcomes.set({ result }, count);
    for (const [decision, count] of Object.entries(snapshot.reviewDecisions24h)) decisions.set({ decision }, count);
    for (const row of snapshot.alertsOpen) alertsOpen.set({ kind: row.kind, severity: row.severity }, row.count);
  }

  return {
    registry,
    observeRequest({ method, route, status }, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    observeWebhook(labels) {
      webhooks.inc(labels);
    },
    async render() {
      try {
        await refreshDatabaseGauges();
        databaseUp.set(1);
      } catch (err) {
        databaseUp.set(0);
        logger?.warn('metrics: database gauges not refreshed', { error: (err as Error).name });
      }
      return registry.metrics();
    },
  };
}

export interface MetricsServer {
  /** Where to fetch the metrics on this machine (see metricsBinding for who else can). */
  url: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** The bind address and who can reach it: the metrics carry no PII but do map the system. */
export function metricsBinding(host: string): string {
  return LOOPBACK_HOSTS.has(host) ? `${host} (this machine only)` : `${host} (${host === '0.0.0.0' || host === '::' ? 'every interface' : 'a network interface'}: keep the port off public networks)`;
}

/** GET /metrics on its own port; anything else is 404. */
export async function startMetricsServer(metrics: ApiMetrics, port: number, host: string): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
