import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SAMPLE_APPLICATION } from '../test/support/system';
import { freePorts } from '../infra/ports';
import { mib, ms, runPool, summarise, table } from './support';

// `npm run bench -- --embedded`: `npm start`'s embedded setup under the load of the report that
// found its 500s: O verifications (accounts opened through the API, then started) 20 at a time,
// then more starts while those O are open. It prints the answers other than success by route and
// status, start latencies, and the memory of the one process (API, worker, simulator and the
// embedded PostgreSQL) and of the Temporal dev server beside it.

const ROOT = path.resolve(__dirname, '..');
const CONCURRENCY = 20;
const MEASURED_STARTS = 100;

function rssOf(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024;
  } catch {
    return Number.NaN;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function embeddedSection(options: { open: number }): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kyc-embedded-'));
  const [port, metrics, workerMetrics, temporal, ui, simulator, pg] = (await freePorts(7)) as [number, number, number, number, number, number, number];
  const baseUrl = `http://127.0.0.1:${port}`;
  // npm start's own environment: nothing external named, so everything is embedded.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH };
  Object.assign(env, {
    KYC_DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    FRONTEND_URL: baseUrl,
    METRICS_PORT: String(metrics),
    WORKER_METRICS_PORT: String(workerMetrics),
    TEMPORAL_DEV_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    VERIFF_SIMULATOR_PORT: String(simulator),
    KYC_EMBEDDED_PG_PORT: String(pg),
    // Every customer of the benchmark reaches the API from 127.0.0.1.
    KYC_RATE_LIMIT_PER_IP: '1000000',
    KYC_REGISTRATION_LIMIT_PER_IP: '1000000',
    LOG_LEVEL: 'warn',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 300_000;
    while (!output.join('').includes('KYC service is up')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output.join('').slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const pid = child.pid!;
    const temporalPid = childrenOf(pid).find((c) => readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'temporal');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idle = rssOf(pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 1000);

    const answers = new Map<string, number>();
    const count = (route: string, status: number) => answers.set(`${route} ${status || 'no answer'}`, (answers.get(`${route} ${status || 'no answer'}`) ?? 0) + 1);
    const call = async (route: string, pathName: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown>; ms: number }> => {
      const began = performance.now();
      try {
        const response = await fetch(`${baseUrl}${pathName}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
        const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        count(route, response.status);
        return { status: response.status, json, ms: performance.now() - began };
      } catch {
        count(route, 0);
        return { status: 0, json: {}, ms: performance.now() - began };
      }
    };
    const register = async (i: number): Promise<string | null> => {
      const credentials = { username: `embedded-${i}`, password: 'correct horse battery staple' };
      const registered = await call('POST /api/auth/register/', '/api/auth/register/', credentials);
      if (registered.status !== 202) return null;
      const signedIn = await call('POST /api/auth/login/', '/api/auth/login/', credentials);
      return signedIn.status === 200 ? (signedIn.json.access as string) : null;
    };
    const start = async (i: number, token: string, starts: number[]) => {
      const started = await call('POST /api/kyc/records/start_verification/', '/api/kyc/records/start_verification/', { ...SAMPLE_APPLICATION, document_number: `BP${100_000_000 + i}` }, token);
      if (started.status === 201) starts.push(started.ms);
    };
    const verify = async (i: number, starts: number[]) => {
      const token = await register(i);
      if (token) await start(i, token, starts);
    };
    const opening: number[] = [];
    const began = performance.now();
    await runPool(Array.from({ length: options.open }, (_, i) => i), CONCURRENCY, (i) => verify(i, opening));
    const openWall = (performance.now() - began) / 1000;
    const openedRss = rssOf(pid);
    const measured: number[] = [];
    // The measured starts' accounts first: a registration hashes its password (scrypt, tens of
    // milliseconds of CPU), which would otherwise be what the starts wait behind.
    const tokens = new Map<number, string>();
    await runPool(Array.from({ length: MEASURED_STARTS }, (_, i) => options.open + i), CONCURRENCY, async (i) => {
      const token = await register(i);
      if (token) tokens.set(i, token);
    });
    await runPool([...tokens], CONCURRENCY, ([i, token]) => start(i, token, measured));
    clearInterval(sampler);
    const a = summarise(opening);
    const b = summarise(measured);
    console.log(`\n== npm start (embedded PostgreSQL, Temporal dev server): ${options.open} verifications started ${CONCURRENCY} at a time, then ${MEASURED_STARTS} more while they are open (their accounts registered first, untimed) ==`);
    console.log(table(['starts', 'answered 201', 'p50 ms', 'p99 ms', 'wall s'], [
      [`first ${options.open}`, String(opening.length), ms(a.p50), ms(a.p99), openWall.toFixed(0)],
      [`${MEASURED_STARTS} more, ${options.open} open`, String(measured.length), ms(b.p50), ms(b.p99), '-'],
    ]));
    console.log(`  start p50 with ${options.open} open: ${ms(b.p50)} ms (target under 1000 ms: ${b.p50 < 1000 ? 'met' : 'MISSED'})`);
    const failures = [...answers].filter(([what]) => !/ 20[01]$/.test(what));
    console.log(`  answers other than 200/201: ${failures.length ? failures.map(([what, n]) => `${what} x${n}`).join('; ') : 'none'}`);
    // What the process logged about the errors: route, error, Prisma code, SQLSTATE, constraint.
    const logged = new Map<string, number>();
    for (const line of output.join('').split('\n')) {
      if (!line.includes('"unhandled error"') && !line.includes('"dependency unavailable"')) continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        const key = ['msg', 'route', 'error', 'code', 'sqlState', 'constraint'].map((k) => `${k}=${String(entry[k] ?? '-')}`).join(' ');
        logged.set(key, (logged.get(key) ?? 0) + 1);
      } catch {
        // Not a JSON log line.
      }
    }
    console.log(`  errors in the log: ${logged.size ? [...logged].map(([what, n]) => `${what} x${n}`).join('; ') : 'none'}`);
    console.log(`  npm start process: idle ${mib(idle)}, ${mib(openedRss)} with ${options.open} open, highest ${mib(peak)}${temporalPid ? `; Temporal dev server ${mib(rssOf(temporalPid))}` : ''}`);
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}
