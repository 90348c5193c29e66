// needs: postgres
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accountNameKey } from '../../domain/account-names';
import { MIGRATIONS_DIR, migrate } from '../../infra/migrate';
import { createTestDatabase } from '../support/database';
import { withClient } from '../support/pg';

// Usernames and e-mail addresses compare after Unicode NFKC and case folding: the database's
// account_name_key() behind two unique indexes. The migration that brought them in found accounts
// that already compared equal and had to part them without losing anyone's account.

const MIGRATION = '20261208033600_case_insensitive_account_names';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;


describe('account names compared regardless of case and Unicode form', () => {
  const databases: TestDatabase[] = [];
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(databases.map((db) => db.drop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('when the migration meets accounts whose names compare equal, then the oldest keeps each name, the later ones are renamed or lose the address, each change is on the trail, and the names are unique from then on', async () => {
    const db = await createTestDatabase({ migrated: false });
    databases.push(db);
    const before = await mkdtemp(path.join(tmpdir(), 'kyc-migrations-'));
    dirs.push(before);
    await cp(MIGRATIONS_DIR, before, { recursive: true });
    await rm(path.join(before, MIGRATION), { recursive: true });
    await migrate(db.url, before);

    const ids = {
      admin: '00000000-0000-4000-8000-000000000001',
      ADMIN: '00000000-0000-4000-8000-000000000002',
      fullwidth: '00000000-0000-4000-8000-000000000003',
      strasse: '00000000-0000-4000-8000-000000000004',
      STRASSE: '00000000-0000-4000-8000-000000000005',
      alone: '00000000-0000-4000-8000-000000000006',
    };
    const rows: [string, string, string | null, string][] = [
      [ids.admin, 'admin', 'Admin@Example.test', '2026-01-01T00:00:00Z'],
      [ids.ADMIN, 'ADMIN', 'admin@example.TEST', '2026-02-01T00:00:00Z'],
      [ids.fullwidth, 'Ａｄｍｉｎ', null, '2026-03-01T00:00:00Z'],
      [ids.strasse, 'straße', 'straße@example.test', '2026-01-01T00:00:00Z'],
      [ids.STRASSE, 'STRASSE', 'STRASSE@EXAMPLE.TEST', '2025-12-01T00:00:00Z'],
      [ids.alone, 'alone', 'alone@example.test', '2026-01-01T00:00:00Z'],
    ];
    await withClient(db.url, async (client) => {
      for (const [id, username, email, createdAt] of rows) {
        await client.query(`INSERT INTO users (id, username, email, created_at, updated_at) VALUES ($1, $2, $3, $4, now())`, [id, username, email, createdAt]);
      }
    });

    assert.deepEqual(await migrate(db.url), [MIGRATION]);

    await withClient(db.url, async (client) => {
      const users = new Map((await client.query<{ id: string; username: string; email: string | null }>(`SELECT id, username, email FROM users`)).rows.map((u) => [u.id, u]));
      const compact = (id: string) => id.replaceAll('-', '');
      assert.deepEqual(
        Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, [users.get(id)!.username, users.get(id)!.email]])),
        {
          admin: ['admin', 'Admin@Example.test'],
          ADMIN: [`ADMIN-${compact(ids.ADMIN)}`, null],
          fullwidth: [`Ａｄｍｉｎ-${compact(ids.fullwidth)}`, null],
          // The older of the two is STRASSE; "ß" folds to "ss".
          strasse: [`straße-${compact(ids.strasse)}`, null],
          STRASSE: ['STRASSE', 'STRASSE@EXAMPLE.TEST'],
          alone: ['alone', 'alone@example.test'],
        },
      );

      const trail = await client.query<{ user_id: string; actor_id: string | null; actor_provider: string | null; action: string; reason: string }>(
        `SELECT user_id, actor_id, actor_provider, action::text AS action, reason FROM user_audit_events ORDER BY action, user_id`,
      );
      assert.deepEqual(
        trail.rows.map((e) => [e.action, e.user_id, e.actor_id, e.actor_provider]),
        [
          ['username_changed', ids.ADMIN, null, null],
          ['username_changed', ids.fullwidth, null, null],
          ['username_changed', ids.strasse, null, null],
          ['email_removed', ids.ADMIN, null, null],
          ['email_removed', ids.strasse, null, null],
        ].sort((a, b) => a[0]!.localeCompare(b[0]!) || a[1]!.localeCompare(b[1]!)),
      );
      // Each entry names the account that kept the name, never the name: the trail outlives an erasure.
      const kept = { [ids.ADMIN]: ids.admin, [ids.fullwidth]: ids.admin, [ids.strasse]: ids.STRASSE };
      for (const entry of trail.rows) {
        assert.ok(entry.reason.includes(kept[entry.user_id]!), entry.reason);
        assert.ok(!/admin|stra/i.test(entry.reason.replaceAll(/account [0-9a-f-]{36}/g, '')), entry.reason);
      }

      for (const [username, email] of [['ＡＤＭＩＮ', null], ['Alone', null], ['someone', 'ALONE@example.test'], ['someone-else', 'strasse@example.test']]) {
        await assert.rejects(
          client.query(`INSERT INTO users (id, username, email, updated_at) VALUES (gen_random_uuid(), $1, $2, now())`, [username, email]),
          (err: Error & { code?: string; constraint?: string }) => err.code === '23505' && /^users_(username|email)_folded_key$/.test(err.constraint ?? ''),
          `${username} ${email}`,
        );
      }
    });
  });

  test('when the code folds a name (the registration throttle), then it folds it as the database does', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const corpus = ['admin', 'ADMIN', 'Ａｄｍｉｎ', 'straße', 'STRASSE', 'ΣΑΣ', 'σας', 'İstanbul', 'ǅemal', 'ﬁle', 'Ǉ', 'K', 'Å', 'Å', 'ＡＬＩＣＥ@ＥＸＡＭＰＬＥ.ＴＥＳＴ', 'Jürgen.Müller@Example.de', 'ŉ', 'ǰ', 'ﬀ', '①', 'ℌ'];
    const folded = await withClient(db.url, async (client) => (await client.query<{ key: string }>(`SELECT account_name_key(value) AS key FROM unnest($1::text[]) WITH ORDINALITY AS t(value, n) ORDER BY n`, [corpus])).rows.map((r) => r.key));
    assert.deepEqual(corpus.map(accountNameKey), folded);
    assert.equal(accountNameKey('ＡＤＭＩＮ'), 'admin');
    assert.equal(accountNameKey('Straße'), accountNameKey('STRASSE'));
  });
});
