// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Prisma } from '../../generated/prisma/client';
import { createDb, runStatement, type Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { createTestDatabase } from '../support/database';

// The database restarting under a running process (a failover, a crash): the connections idle in
// its pool die with it. The process must log that and carry on with new connections; before the
// pool had a handler for it, the lost connection's error event ended every API and worker process.

describe('the database connection pool when its connections die', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let admin: Db;
  const lines: string[] = [];

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 2, createLogger('warn', {}, (line) => lines.push(line)));
    admin = createDb(database.url, 1);
  });
  after(async () => {
    await db?.$disconnect();
    await admin?.$disconnect();
    await database?.drop();
  });

  test('an idle connection ended by the server is logged and replaced; the next statement succeeds', async () => {
    const [{ pid }] = (await runStatement<{ pid: number }>(db, Prisma.sql`SELECT pg_backend_pid() AS pid`)) as [{ pid: number }];
    const ended = await admin.$queryRaw<{ ended: boolean }[]>`SELECT pg_terminate_backend(${pid}::int) AS ended`;
    assert.equal(ended[0]?.ended, true);
    for (let tries = 0; !lines.some((line) => line.includes('idle database connection lost')); tries += 1) {
      assert.ok(tries < 100, 'the lost connection is logged');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const logged = JSON.parse(lines.find((line) => line.includes('idle database connection lost'))!) as Record<string, unknown>;
    assert.equal(logged.level, 'warn');
    assert.equal(logged.code, '57P01', 'the SQLSTATE of an administrator ending the connection');
    const [{ again }] = (await runStatement<{ again: number }>(db, Prisma.sql`SELECT pg_backend_pid() AS again`)) as [{ again: number }];
    assert.notEqual(again, pid, 'a new connection serves the next statement');
    assert.equal((await db.$queryRaw<{ one: number }[]>`SELECT 1 AS one`)[0]?.one, 1, 'and the client through Prisma too');
  });
});
