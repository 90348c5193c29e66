// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../support/database';

// prisma/migrations (what production runs) and prisma/schema.prisma (what the client is generated
// from) are written by hand side by side; nothing else stops them from drifting apart. Prisma 6's
// schema engine (scripts/prisma6.sh) diffs a database our runner migrated against the schema.

const ROOT = path.resolve(__dirname, '..', '..');
const INSTALL_AND_DIFF_TIMEOUT_MS = 10 * 60_000; // the first run installs Prisma 6 from npm

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

interface MigrationOnlyObject {
  kind: 'index' | 'trigger' | 'function';
  name: string;
}

function migrationOnlyObjects(): MigrationOnlyObject[] {
  const text = readFileSync(path.join(ROOT, 'prisma', 'migration-only-objects.txt'), 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [kind, name, ...rest] = line.split(/\s+/);
      if ((kind !== 'index' && kind !== 'trigger' && kind !== 'function') || !name || rest.length) {
        throw new Error(`prisma/migration-only-objects.txt: cannot read "${line}" (expected "<index|trigger|function> <name>")`);
      }
      return { kind, name };
    });
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function prismaDiff(databaseUrl: string): Promise<string[]> {
  const { code, stdout, stderr } = await run('bash', ['scripts/prisma6.sh', '--diff-database', databaseUrl, 'prisma/schema.prisma']);
  assert.equal(code, 0, `scripts/prisma6.sh --diff-database failed:\n${stderr}`);
  return statementsOf(stdout);
}

// Prisma's script: "-- Comment" lines, statements ending with ";" at the end of a line.
function statementsOf(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

function isMigrationOnlyIndexDrop(statement: string, objects: MigrationOnlyObject[]): boolean {
  const match = /^DROP INDEX (?:"[^"]+"\.)?"([^"]+)"$/.exec(statement);
  return match !== null && objects.some((o) => o.kind === 'index' && o.name === match[1]);
}

describe('schema.prisma and prisma/migrations', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });
  async function migratedDatabase(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  }

  test('the migrations build exactly what schema.prisma describes', { timeout: INSTALL_AND_DIFF_TIMEOUT_MS }, async () => {
    const db = await migratedDatabase();
    const objects = migrationOnlyObjects();
    const unexpected = (await prismaDiff(db.url)).filter((statement) => !isMigrationOnlyIndexDrop(statement, objects));
    assert.deepEqual(
      unexpected,
      [],
      'prisma/migrations and prisma/schema.prisma disagree. To bring a freshly migrated database to the schema, Prisma would run:\n\n' +
        `${unexpected.join(';\n')};\n\n` +
        'Generate the missing migration with `bash scripts/new-migration.sh <name>` (or fix the schema). ' +
        'Objects the schema cannot express belong in prisma/migration-only-objects.txt.',
    );
  });

  test('the check notices drift (a dropped column and index come back in the diff)', { timeout: INSTALL_AND_DIFF_TIMEOUT_MS }, async () => {
    const db = await migratedDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('ALTER TABLE "wallets" DROP COLUMN "upgraded_by_record_id"');
      await client.query('DROP INDEX "idx_outbox_unpublished"');
    } finally {
      await client.end();
    }
    const statements = await prismaDiff(db.url);
    assert.ok(
      statements.some((s) => /^ALTER TABLE "wallets" ADD COLUMN\s+"upgraded_by_record_id" UUID$/.test(s)),
      `expected the dropped column in the diff, got:\n${statements.join(';\n')}`,
    );
    assert.ok(
      statements.some((s) => s.startsWith('CREATE INDEX "idx_outbox_unpublished"')),
      `expected the dropped index in the diff, got:\n${statements.join(';\n')}`,
    );
  });
});

describe('objects only the migrations know (prisma/migration-only-objects.txt)', () => {
  let db: TestDatabase | undefined;
  let client: Client;
  before(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.drop();
  });

  async function insertUser(username: string): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO "users" (id, username, updated_at) VALUES (gen_random_uuid(), $1, now()) RETURNING id`,
      [username],
    );
    return rows[0]!.id;
  }

  async function insertRecord(userId: string, status: string): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO "kyc_records" (id, user_id, status, first_name_enc, last_name_enc, date_of_birth_enc, document_number_enc,
         document_number_hash, address_enc, nationality, country, document_type, workflow_id, workflow_run_id, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'x', 'x', 'x', 'x', 'h', 'x', 'DE', 'DE', 'PASSPORT', $3, gen_random_uuid()::text, now())
       RETURNING id`,
      [userId, status, `kyc-${userId}`],
    );
    return rows[0]!.id;
  }

  test('every listed object exists; the indexes are partial or on an expression', async () => {
    const objects = migrationOnlyObjects();
    assert.ok(objects.length > 0);
    for (const object of objects) {
      if (object.kind === 'index') {
        const { rows } = await client.query<{ indexdef: string }>(
          `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1`,
          [object.name],
        );
        assert.equal(rows.length, 1, `index ${object.name} is missing`);
        assert.match(rows[0]!.indexdef, / WHERE |\(\w+\(/, `index ${object.name} should be partial or on an expression: ${rows[0]!.indexdef}`);
      } else if (object.kind === 'trigger') {
        const { rowCount } = await client.query(`SELECT 1 FROM pg_trigger WHERE tgname = $1 AND NOT tgisinternal`, [object.name]);
        assert.equal(rowCount, 1, `trigger ${object.name} is missing`);
      } else {
        const { rowCount } = await client.query(
          `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname = $1`,
          [object.name],
        );
        assert.equal(rowCount, 1, `function ${object.name} is missing`);
      }
    }
  });

  test('a customer has at most one active verification; finished ones do not count', async () => {
    const userId = await insertUser('one-active');
    const first = await insertRecord(userId, 'in_progress');
    await assert.rejects(insertRecord(userId, 'pending'), (err: Error & { code?: string; constraint?: string }) => {
      assert.equal(err.code, '23505');
      assert.equal(err.constraint, 'kyc_records_one_active_per_user');
      return true;
    });
    await client.query(`UPDATE "kyc_records" SET status = 'rejected' WHERE id = $1`, [first]);
    await insertRecord(userId, 'pending');
    await insertRecord(userId, 'approved');
  });

  test('kyc_events is append-only: UPDATE and DELETE are refused', async () => {
    const recordId = await insertRecord(await insertUser('append-only'), 'pending');
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO "kyc_events" (id, kyc_record_id, event_type, actor_type) VALUES (gen_random_uuid(), $1, 'created', 'system') RETURNING id`,
      [recordId],
    );
    const eventId = rows[0]!.id;
    await assert.rejects(client.query(`UPDATE "kyc_events" SET reason = 'rewritten' WHERE id = $1`, [eventId]), /append-only \(UPDATE refused\)/);
    await assert.rejects(client.query(`DELETE FROM "kyc_events" WHERE id = $1`, [eventId]), /append-only \(DELETE refused\)/);
    const { rows: kept } = await client.query<{ reason: string | null }>(`SELECT reason FROM "kyc_events" WHERE id = $1`, [eventId]);
    assert.deepEqual(kept, [{ reason: null }]);
  });

  test('user_audit_events is append-only: UPDATE and DELETE are refused', async () => {
    const userId = await insertUser('audited');
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO "user_audit_events" (id, user_id, actor_id, action, reason) VALUES (gen_random_uuid(), $1, $1, 'deactivated', 'left the company') RETURNING id`,
      [userId],
    );
    const eventId = rows[0]!.id;
    await assert.rejects(client.query(`UPDATE "user_audit_events" SET reason = 'rewritten' WHERE id = $1`, [eventId]), /append-only \(UPDATE refused\)/);
    await assert.rejects(client.query(`DELETE FROM "user_audit_events" WHERE id = $1`, [eventId]), /append-only \(DELETE refused\)/);
    const { rows: kept } = await client.query<{ reason: string }>(`SELECT reason FROM "user_audit_events" WHERE id = $1`, [eventId]);
    assert.deepEqual(kept, [{ reason: 'left the company' }]);
  });

  test('privacy_audit_events is append-only: UPDATE and DELETE are refused', async () => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO "privacy_audit_events" (id, action, actor_role, reason) VALUES (gen_random_uuid(), 'subject_export', 'auditor', 'case 42') RETURNING id`,
    );
    const eventId = rows[0]!.id;
    await assert.rejects(client.query(`UPDATE "privacy_audit_events" SET reason = 'rewritten' WHERE id = $1`, [eventId]), /append-only \(UPDATE refused\)/);
    await assert.rejects(client.query(`DELETE FROM "privacy_audit_events" WHERE id = $1`, [eventId]), /append-only \(DELETE refused\)/);
    const { rows: kept } = await client.query<{ reason: string }>(`SELECT reason FROM "privacy_audit_events" WHERE id = $1`, [eventId]);
    assert.deepEqual(kept, [{ reason: 'case 42' }]);
  });
});
