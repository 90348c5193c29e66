import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express from 'express';
import { accountLookup, allow, TokenService, type AccountLookup, type AccountState } from '../api/auth';
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
// real Express server against a real PostgreSQL. It prints figures and asserts nothing.

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

function summary(latenciesMs: number[], wallMs: number): string {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  const us = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;
  return `mean ${us(mean)}  p50 ${us(quantile(sorted, 0.5))}  p99 ${us(quantile(sorted, 0.99))}  ${((sorted.length / wallMs) * 1000).toFixed(0).padStart(6)}/s`;
}

async function timed(n: number, concurrency: number, once: () => Promise<void>): Promise<string> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const t0 = performance.now();
        await once();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summary(latencies, performance.now() - started);
}

async function main() {
  const opts = options();
  const database = await createTestDatabase();
  const db = createDb(database.url, 10);
  const servers: http.Server[] = [];
  try {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
    const user = await db.user.create({ data: { username: 'bench-admin', passwordHash: await hashPassword('not used'), role: 'admin' } });
    const fromDatabase = accountLookup(db);
    const tokenOnly: AccountLookup = async () => ({ username: user.username, role: user.role, isActive: true, tokenVersion: user.tokenVersion });
    const variants: [string, AccountLookup][] = [
      ['token only (no lookup)', tokenOnly],
      ['database (one read)   ', fromDatabase],
      [`cache (TTL ${opts.cacheMs} ms)   `, cached(fromDatabase, opts.cacheMs)],
    ];
    const token = (await new TokenService(config, tokenOnly).issue({ userId: user.id, username: user.username, role: user.role, tokenVersion: user.tokenVersion })).token;

    console.log(`# PostgreSQL ${(await db.$queryRaw<{ v: string }[]>`SELECT current_setting('server_version') AS v`)[0]?.v}, Node ${process.version}, n=${opts.n}`);
    console.log('\n## token check alone (TokenService.verify), one at a time');
    for (const [name, lookup] of variants) {
      const tokens = new TokenService(config, lookup);
      await timed(200, 1, async () => void (await tokens.verify(token)));
      console.log(`  ${name}  ${await timed(opts.n, 1, async () => void (await tokens.verify(token)))}`);
    }

    for (const concurrency of [1, opts.concurrency]) {
      console.log(`\n## HTTP GET through allow('admin') on Express, concurrency ${concurrency}`);
      for (const [name, lookup] of variants) {
        const tokens = new TokenService(config, lookup);
        const app = express();
        app.get('/guarded', allow(tokens, 'admin'), (_req, res) => void res.json({ ok: true }));
        const server = http.createServer(app);
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/guarded`;
        const once = async () => {
          const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          if (response.status !== 200) throw new Error(`${name}: answered ${response.status}`);
          await response.arrayBuffer();
        };
        await timed(500, concurrency, once);
        console.log(`  ${name}  ${await timed(opts.n, concurrency, once)}`);
      }
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
