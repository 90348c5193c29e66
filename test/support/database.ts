import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../../infra/migrate';

// Tests run on a real PostgreSQL server (scripts/ensure-postgres.sh starts one when none is
// reachable). TEST_DATABASE_URL names a role that may create databases.
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

// A fresh, empty database with a unique name; migrated unless asked not to.
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `kyc_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = databaseUrl(name);
  if (options.migrated !== false) await migrate(url);
  return {
    name,
    url,
    async drop() {
      const c = new Client({ connectionString: testServerUrl() });
      await c.connect();
      try {
        // An autovacuum worker in the database is not ours to stop without pg_signal_backend
        // (scripts/ensure-postgres.sh grants it; a server set up otherwise may not): it finishes soon.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== '42501' || attempt === 10) throw err;
            await new Promise((resolve) => setTimeout(resolve, 1_000));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}
