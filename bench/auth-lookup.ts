import http from 'node:http';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express from 'express';
import { allow, TokenService, type AccountLookup, type AccountState } from '../api/auth';
import { UserStore } from '../store/users';
import { loadConfig } from '../domain/config';
import { createDb } from '../infra/db';
import { hashPassword } from '../infra/passwords';
import { createTestDatabase } from '../test/support/database';

// `npm run bench:auth`: what it costs to check every authenticated request against the account's
// current state (active, role, token version). Three ways to answer "who is this, now?":
//   token only    - the claims of the token, nothing read (how the service worked before: a
//                   deactivated or demoted user kept their rights until the token expired);
//   database      - one primary-key read of users per request (what api/auth.ts does);
//   cache (TTL)   - the same read, kept in process memory for a few seconds (what it would save).
// Measured twice: the token check alone, then whole HTTP requests through the allow() guard on a
// real Express server against a real PostgreSQL. The variants take turns, round after round, so
// load from elsewhere on the machine falls on all of them alike. It prints figures and asserts nothing.

interface Options {
  n: number;
  concurrency: number;
  cacheMs: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '16' },
      'cache-ms': { type: 'string', default: '2000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench:auth -- [--n 5000] [--concurrency 16] [--cache-ms 2000]');
    process.exit(0);
  }
  return { n: Number(values.n), concurrency: Number(values.concurrency), cacheMs: Number(values['cache-ms']) };
}

// The alternative measured against: a per-process memo with a time to live. Invalidating it in
// the process that changes an account is easy; in the other API processes it stays stale for up
// to the TTL unless something (LISTEN/NOTIFY, a broker) tells them.
function cached(lookup: AccountLookup, ttlMs: number): AccountLookup {
  const entries = new Map<string, { state: AccountState | null; until: number }>();
  return async (userId) => {
    const hit = entries.get(userId);
    const now = performance.now();
    if (hit && hit.until > now) return hit.state;
    const state = await lookup(userId);
    entries.set(userId, { state, until: now + ttlMs });
    return state;
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

// Every variant's requests, and each round's throughput: the median round is what is reported,
// so a burst of load from elsewhere on the machine does not decide the comparison.
interface Tally {
  latenciesMs: number[];
  perSecond: number[];
}

function report(tally: Tally): string {
  const sorted = [...tally.latenciesMs].sort((a, b) => a - b);
  const us = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;
  return `p50 ${us(quantile(sorted, 0.5))}  p90 ${us(quantile(sorted, 0.9))}  p99 ${us(quantile(sorted, 0.99))}  ${median(tally.perSecond).toFixed(0).padStart(6)}/s (median of ${tally.perSecond.length} rounds)`;
}

async function timed(n: number, concurrency: number, once: () => Promise<void>, tally?: Tally): Promise<void> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const t0 = performance.now();
        await once();
        tally?.latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  tally?.perSecond.push((n / (performance.now() - started)) * 1000);
}

// Runs the variants in turns (a different one first each round), `rounds` times each.
async function compare(names: string[], rounds: number, perRound: number, concurrency: number, onceOf: (index: number) => () => Promise<void>): Promise<void> {
  const tallies = names.map(() => ({ latenciesMs: [], perSecond: [] }) as Tally);
  for (let index = 0; index < names.length; index += 1) await timed(Math.min(perRound, 300), concurrency, onceOf(index));
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < names.length; turn += 1) {
      const index = (round + turn) % names.length;
      await timed(perRound, concurrency, onceOf(index), tallies[index]);
    }
  }
  names.forEach((name, index) => console.log(`  ${name}  ${report(tallies[index]!)}`));
}

async function main() {
  const opts = options();
  const database = await createTestDatabase();
  const db = createDb(database.url, 10);
  const servers: http.Server[] = [];
  try {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
    const user = await db.user.create({ data: { username: 'bench-admin', passwordHash: await hashPassword('not used'), role: 'admin' } });
    // What the API does (store/users.ts: one read on the driver), and the same read through Prisma's engine.
    const users = new UserStore(db);
    const fromDatabase: AccountLookup = (userId) => users.accountState(userId);
    const throughPrisma: AccountLookup = (userId) => db.user.findUnique({ where: { id: userId }, select: { username: true, role: true, isActive: true, tokenVersion: true } });
    const tokenOnly: AccountLookup = async () => ({ username: user.username, role: user.role, isActive: true, tokenVersion: user.tokenVersion });
    const variants: [string, AccountLookup][] = [
      ['token only (no lookup)', tokenOnly],
      ['database (the API)    ', fromDatabase],
      ['database (via Prisma) ', throughPrisma],
      [`cache (TTL ${opts.cacheMs} ms)   `, cached(fromDatabase, opts.cacheMs)],
    ];
    const token = (await new TokenService(config, tokenOnly).issue({ userId: user.id, username: user.username, role: user.role, tokenVersion: user.tokenVersion })).token;

    const names = variants.map(([name]) => name);
    const rounds = 5;
    const perRound = Math.max(1, Math.floor(opts.n / rounds));
    console.log(`# PostgreSQL ${(await db.$queryRaw<{ v: string }[]>`SELECT current_setting('server_version') AS v`)[0]?.v}, Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}, ${perRound} requests x ${rounds} rounds per variant`);

    console.log('\n## token check alone (TokenService.verify), one at a time');
    const services = variants.map(([, lookup]) => new TokenService(config, lookup));
    await compare(names, rounds, perRound, 1, (index) => async () => void (await services[index]!.verify(token)));

    const urls: string[] = [];
    for (const service of services) {
      const app = express();
      app.get('/guarded', allow(service, 'admin'), (_req, res) => void res.json({ ok: true }));
      const server = http.createServer(app);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/guarded`);
    }
    const request = (index: number) => async () => {
      const response = await fetch(urls[index]!, { headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`${names[index]}: answered ${response.status}`);
      await response.arrayBuffer();
    };
    for (const concurrency of [1, opts.concurrency]) {
      console.log(`\n## HTTP GET through allow('admin') on Express, concurrency ${concurrency}`);
      await compare(names, rounds, perRound, concurrency, request);
    }
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await db.$disconnect();
    await database.drop();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
