// Runs the Veriff simulator as its own HTTP server: `npm run simulator`, or in-process via startSimulator().
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { z } from 'zod';
import { createSimulator, type SimulatorOptions } from './app';
import { type SimulatorStore } from './store';

export interface StartSimulatorOptions extends Omit<SimulatorOptions, 'publicBaseUrl'> {
  /** 0 picks a free port. */
  port: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Default: the address actually bound, which is only known after listening. */
  publicBaseUrl?: string;
}

export interface RunningSimulator {
  url: string;
  port: number;
  store: SimulatorStore;
  close(): Promise<void>;
}

export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const { port: requestedPort, host = '127.0.0.1', publicBaseUrl, ...simulatorOptions } = options;
  // Listen before building the app: with port 0 the public URL depends on the port we get.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${port}`;
  const simulator = createSimulator({ ...simulatorOptions, publicBaseUrl: publicBaseUrl ?? url });
  server.on('request', simulator.app);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store: simulator.store,
    close() {
      closing ??= (async () => {
        await simulator.close();
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // Keep-alive connections would otherwise hold close() open until they time out.
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);

const envSchema = z.object({
  VERIFF_SIMULATOR_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(8090)),
  VERIFF_SIMULATOR_HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
  VERIFF_API_KEY: z.string().min(1),
  VERIFF_API_SECRET: z.string().min(1),
  VERIFF_WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  VERIFF_SIMULATOR_WEBHOOK_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
  VERIFF_SIMULATOR_PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
  // Unset, empty or "off" disables auto decisions.
  VERIFF_SIMULATOR_AUTO_DECIDE_MS: z.preprocess(
    (value) => (value === undefined || value === '' || value === 'off' ? null : value),
    z.coerce.number().int().min(0).nullable(),
  ),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`veriff simulator: invalid environment\n${z.prettifyError(parsed.error)}`);
    process.exit(1);
  }
  const env = parsed.data;
  const running = await startSimulator({
    port: env.VERIFF_SIMULATOR_PORT,
    host: env.VERIFF_SIMULATOR_HOST,
    apiKey: env.VERIFF_API_KEY,
    apiSecret: env.VERIFF_API_SECRET,
    webhookSecret: env.VERIFF_WEBHOOK_SECRET,
    webhookUrl: env.VERIFF_SIMULATOR_WEBHOOK_URL,
    publicBaseUrl: env.VERIFF_SIMULATOR_PUBLIC_URL,
    autoDecideDelayMs: env.VERIFF_SIMULATOR_AUTO_DECIDE_MS,
  });
  console.log(
    `veriff simulator listening on ${running.url}; webhooks -> ${env.VERIFF_SIMULATOR_WEBHOOK_URL ?? '(none)'}; ` +
      `auto decide ${env.VERIFF_SIMULATOR_AUTO_DECIDE_MS === null ? 'off' : `after ${env.VERIFF_SIMULATOR_AUTO_DECIDE_MS} ms`}`,
  );
  const shutdown = (): void => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('veriff simulator: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('veriff simulator: failed to start', error);
    process.exit(1);
  });
}
