import path from 'node:path';
import { z } from 'zod';

// Where everything of `npm run stack` lives: its settings (parsed once, a bad value names the
// variable), its ports and its files. Every port derives from one base so that a second stack, or
// a test, moves the whole block at once; none collides with `npm start`'s defaults.

export const REPOSITORY = path.resolve(__dirname, '..', '..');

export const settingsSchema = z.object({
  KYC_STACK_DIR: z.string().min(1).default('.data/stack').describe('Generated configuration, logs and the process list (relative paths start at the repository).'),
  // The block reaches base + 61 (the broker's two ports included).
  KYC_STACK_PORT_BASE: z.coerce.number().int().min(1024).max(65_535 - 61).default(18_000).describe('First of the block of ports the stack uses; the load balancer listens on it.'),
  KYC_STACK_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional().describe('PostgreSQL URL of a role that may create databases (default: the local server scripts/ensure-postgres.sh provides).'),
  KYC_STACK_WORKERS: z.coerce.number().int().min(1).max(2).default(2).describe('How many worker processes (1 or 2) poll the task queue.'),
  KYC_STACK_DB_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _, starting with a letter')
    .default('kyc_stack')
    .describe('Prefix of the four databases: <prefix>_app, <prefix>_keys (the key store), <prefix>_temporal, <prefix>_temporal_visibility.'),
});

export type StackSettings = z.infer<typeof settingsSchema>;

export function loadStackSettings(env: Record<string, string | undefined>): StackSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid stack settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export interface StackLayout {
  host: string;
  ports: {
    loadBalancer: number;
    loadBalancerStats: number;
    api: [number, number];
    apiMetrics: [number, number];
    /** One metrics port per worker process (KYC_STACK_WORKERS of them). */
    workerMetrics: number[];
    simulator: number;
    temporalUi: number;
    temporalFrontend: number;
    temporalFrontendHttp: number;
    temporalHistory: number;
    temporalMatching: number;
    temporalWorker: number;
    temporalMembership: { frontend: number; history: number; matching: number; worker: number };
    temporalMetrics: number;
    /** RabbitMQ's AMQP listener. */
    broker: number;
    /** RabbitMQ's Erlang distribution port (rabbitmqctl and rabbitmq-diagnostics reach the node there). */
    brokerDistribution: number;
  };
  dir: string;
  logDir: string;
  /** The certificates of Temporal's mutual TLS (scripts/temporal-certs.sh makes them). */
  tlsDir: string;
  /** The stack's RabbitMQ node: its name and its folder (data, logs, cookie). */
  broker: { node: string; dir: string };
  stateFile: string;
  lockFile: string;
  databases: { app: string; keys: string; temporal: string; visibility: string };
}

export function stackLayout(settings: StackSettings): StackLayout {
  const base = settings.KYC_STACK_PORT_BASE;
  const dir = path.resolve(REPOSITORY, settings.KYC_STACK_DIR);
  return {
    // Listeners bind to loopback (the API processes excepted: `npm run api` binds every interface):
    // this is one machine's topology, not an exposed deployment.
    host: '127.0.0.1',
    ports: {
      loadBalancer: base,
      loadBalancerStats: base + 1,
      api: [base + 10, base + 11],
      apiMetrics: [base + 20, base + 21],
      workerMetrics: [base + 22, base + 23].slice(0, settings.KYC_STACK_WORKERS),
      simulator: base + 30,
      temporalUi: base + 40,
      temporalFrontend: base + 50,
      temporalFrontendHttp: base + 51,
      temporalHistory: base + 52,
      temporalMatching: base + 53,
      temporalWorker: base + 54,
      temporalMembership: { frontend: base + 55, history: base + 56, matching: base + 57, worker: base + 58 },
      temporalMetrics: base + 59,
      broker: base + 60,
      brokerDistribution: base + 61,
    },
    dir,
    logDir: path.join(dir, 'logs'),
    tlsDir: path.join(dir, 'tls'),
    broker: { node: `${settings.KYC_STACK_DB_PREFIX}-broker`, dir: path.join(dir, 'rabbitmq') },
    stateFile: path.join(dir, 'stack.json'),
    lockFile: path.join(dir, 'supervisor.lock'),
    databases: {
      app: `${settings.KYC_STACK_DB_PREFIX}_app`,
      // The customers' data keys, apart from the data they seal (KYC_KEY_STORE_URL).
      keys: `${settings.KYC_STACK_DB_PREFIX}_keys`,
      temporal: `${settings.KYC_STACK_DB_PREFIX}_temporal`,
      visibility: `${settings.KYC_STACK_DB_PREFIX}_temporal_visibility`,
    },
  };
}

// Every port the stack listens on, named, to check them before anything starts.
export function listeningPorts(layout: StackLayout): { port: number; owner: string }[] {
  const p = layout.ports;
  return [
    { port: p.loadBalancer, owner: 'load balancer' },
    { port: p.loadBalancerStats, owner: 'load balancer statistics' },
    ...p.api.map((port, i) => ({ port, owner: `api-${i + 1}` })),
    ...p.apiMetrics.map((port, i) => ({ port, owner: `api-${i + 1} metrics` })),
    ...p.workerMetrics.map((port, i) => ({ port, owner: `worker-${i + 1} metrics` })),
    { port: p.simulator, owner: 'Veriff simulator' },
    { port: p.temporalUi, owner: 'Temporal UI' },
    { port: p.temporalFrontend, owner: 'Temporal frontend' },
    { port: p.temporalFrontendHttp, owner: 'Temporal frontend HTTP API' },
    { port: p.temporalHistory, owner: 'Temporal history' },
    { port: p.temporalMatching, owner: 'Temporal matching' },
    { port: p.temporalWorker, owner: 'Temporal system worker' },
    ...Object.entries(p.temporalMembership).map(([service, port]) => ({ port, owner: `Temporal ${service} membership` })),
    { port: p.temporalMetrics, owner: 'Temporal metrics' },
    { port: p.broker, owner: 'RabbitMQ (AMQP)' },
    { port: p.brokerDistribution, owner: 'RabbitMQ (Erlang distribution)' },
  ];
}
