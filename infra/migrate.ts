import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

// Applies prisma/migrations the way `prisma migrate deploy` does, without Prisma's native schema
// engine (it cannot be downloaded on air-gapped machines). It keeps Prisma's bookkeeping table and
// checksums, so `prisma migrate deploy` / `status` agree with it wherever the engine exists.

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'prisma', 'migrations');

// Same lock id as Prisma's migrate commands, so the two never run at once on one database.
const PRISMA_ADVISORY_LOCK_ID = 72707369;

const CREATE_BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export class MigrationError extends Error {}

export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_ID})`);
    try {
      await client.query(CREATE_BOOKKEEPING_TABLE);
      const applied = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
      );
      const done = new Map(applied.rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
      const ran: string[] = [];
      for (const migration of await readMigrations(dir)) {
        const previous = done.get(migration.name);
        if (previous) {
          if (previous.finished_at === null) {
            throw new MigrationError(`migration ${migration.name} failed earlier and needs manual resolution (prisma migrate resolve)`);
          }
          if (previous.checksum !== migration.checksum) {
            throw new MigrationError(`migration ${migration.name} was modified after it was applied`);
          }
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
             VALUES ($1, $2, now(), $3, 1, now())`,
            [randomUUID(), migration.checksum, migration.name],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new MigrationError(`migration ${migration.name} failed: ${(err as Error).message}`);
        }
        ran.push(migration.name);
      }
      return ran;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK_ID})`);
    }
  } finally {
    await client.end();
  }
}
