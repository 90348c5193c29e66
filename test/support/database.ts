import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { createDb } from '../../infra/db';
import { migrate } from '../../infra/migrate';
import { BUNDLED_LISTS, ensureBundledLists } from '../../screening/bundled';

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

const ROOT = path.resolve(__dirname, '..', '..');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

// The template's name says what it holds: the migrations and the bundled list files, hashed. A
// change to either builds a new template (and drops the old ones).
async function templateName(): Promise<string> {
  const hash = createHash('sha256');
  const files = [...(await filesUnder(path.join(ROOT, 'prisma', 'migrations'))), ...BUNDLED_LISTS.flatMap((list) => list.paths)];
  for (const file of files) {
    for (const found of file.endsWith('.xml') || file.endsWith('.json') ? [file] : await filesUnder(file).catch(() => [file])) {
      hash.update(path.relative(ROOT, found)).update(await readFile(found));
    }
  }
  return `kyc_template_${hash.digest('hex').slice(0, 16)}`;
}

/**
 * A template database as production has it after its first start: migrated, the bundled
 * sanctions and PEP lists loaded (screening fails closed without the required ones) and their
 * first rescreen done (nobody was approved yet). Built once per server and content (a change to
 * the migrations or the lists builds another beside it), under an
 * advisory lock (test files start in parallel); a database made from it is a file copy.
 */
async function listsTemplate(): Promise<string> {
  const name = await templateName();
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_advisory_lock(hashtext('kyc-test-template'))`);
    const found = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1`, [name]);
    if (found.rowCount) return name;
    // Templates of other contents are left alone: another checkout (a branch with other
    // migrations) may be using its own on the same server. A build cut short left its copy.
    const building = `${name}_building`;
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
    const url = databaseUrl(building);
    await migrate(url);
    const db = createDb(url, 2);
    try {
      const lists = await ensureBundledLists(db);
      await db.screeningRescreen.create({ data: { workflowId: 'kyc-screening-rescreen-template', trigger: 'list_update', listVersionIds: lists.map((l) => l.versionId), status: 'completed', completedAt: new Date() } });
    } finally {
      await db.$disconnect();
    }
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    return name;
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext('kyc-test-template'))`).catch(() => undefined);
    await admin.end();
  }
}

/**
 * A fresh database with a unique name: migrated unless asked not to; with the bundled lists
 * loaded as production loads them when asked (`lists: true`, what startTestSystem gives by default).
 */
export async function createTestDatabase(options: { migrated?: boolean; lists?: boolean } = {}): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `kyc_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const template = options.lists && options.migrated !== false ? await listsTemplate() : null;
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  await admin.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`);
  await admin.end();
  const url = databaseUrl(name);
  if (options.migrated !== false && !template) await migrate(url);
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
