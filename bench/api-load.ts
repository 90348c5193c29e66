import { spawn } from 'node:child_process';
import path from 'node:path';
import { api, createUser, type TestSystem } from '../test/support/system';
import { decide } from '../test/support/veriff';
import { customers, ms, runPool, table } from './support';

// A load test of the public API's reads: the status, summary and list endpoints under 200
// concurrent clients (autocannon, in a process of its own), each request as a different customer
// reading their own verification, and staff listing applications. It prints requests per second,
// latency percentiles and every answer that was not a success (the target: none).

const ROOT = path.resolve(__dirname, '..');
const CUSTOMERS = 50;

interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  total: number;
  statusCodeStats: Record<string, { count: number }>;
}

function load(url: string, targets: { path: string; token: string }[], connections: number, durationSeconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/api-load-client.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as LoadResult) : reject(new Error(`the load generator exited with ${code}`))));
    child.stdin.end(JSON.stringify({ url, connections, durationSeconds, targets }));
  });
}

export async function apiLoadSection(system: TestSystem, options: { connections: number; durationSeconds: number; concurrency: number }): Promise<void> {
  // Customers with a verification each, half of them approved, and a staff member.
  const people = await customers(system, CUSTOMERS, 3_000_000);
  const records: { token: string; id: string }[] = [];
  await runPool(people, options.concurrency, async (person) => {
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: person.token, body: person.application, headers: { 'x-forwarded-for': person.clientIp } });
    if (started.status !== 201) throw new Error(`start_verification answered ${started.status}`);
    records.push({ token: person.token, id: started.json.id as string });
    if (records.length % 2 === 0) await decide(system, started.json.id as string, { status: 'approved' });
  });
  const staff = await createUser(system, 'admin');
  const endpoints = [
    { name: 'GET /api/kyc/records/{id}/status/', targets: records.map((r) => ({ path: `/api/kyc/records/${r.id}/status/`, token: r.token })) },
    { name: 'GET /api/kyc/summary/', targets: records.map((r) => ({ path: '/api/kyc/summary/', token: r.token })) },
    { name: 'GET /v1/kyc/applications (customer)', targets: records.map((r) => ({ path: '/v1/kyc/applications?limit=20', token: r.token })) },
    { name: 'GET /v1/kyc/applications (staff)', targets: [{ path: '/v1/kyc/applications?limit=20', token: staff.token }] },
  ];
  const rows: string[][] = [];
  let failures = 0;
  for (const endpoint of endpoints) {
    const result = await load(system.apiUrl, endpoint.targets, options.connections, options.durationSeconds);
    const notOk = result.non2xx + result.errors + result.timeouts;
    failures += notOk;
    const statuses = Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}: ${count}`).join(', ');
    rows.push([endpoint.name, String(result.total), result.requests.average.toFixed(0), ms(result.latency.p50), ms(result.latency.p99), ms(result.latency.max), String(notOk), statuses]);
    console.log(`# load: ${endpoint.name} done`);
  }
  console.log(`\n== public API reads under load: ${options.connections} concurrent clients, ${options.durationSeconds} s per endpoint (autocannon) ==`);
  console.log(table(['endpoint', 'requests', 'per second', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'statuses'], rows));
  console.log(`  errors (non-2xx, connection errors, timeouts): ${failures} (target 0: ${failures === 0 ? 'met' : 'MISSED'})`);
}
