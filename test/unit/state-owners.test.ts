// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import { allowsMove, moveKind, statusesMovingTo } from '../../domain/status';

// One writer per piece of state: the status machine names each move's kind, and the lint
// configuration refuses a write of a record's status, a wallet or an account's role anywhere but
// in its owner (eslint.config.mjs, ownedStateRules). This holds the rule to both.

const ROOT = path.resolve(__dirname, '..', '..');

describe('the status machine', () => {
  test('when an approval is compensated or a verification withdrawn, then the move is allowed as that kind only', () => {
    assert.equal(moveKind('approved', 'error'), 'compensation');
    assert.equal(allowsMove('approved', 'error', 'progress'), false, 'an approval never progresses');
    assert.equal(moveKind('under_review', 'expired'), 'withdrawal');
    assert.equal(allowsMove('under_review', 'expired', 'progress'), false);
    assert.equal(moveKind('pending', 'expired'), 'progress', 'a session timing out is the verification’s own course');
    assert.equal(allowsMove('pending', 'expired', 'withdrawal'), true, 'and the cleanup may withdraw it too');
    for (const terminal of ['approved', 'rejected', 'expired', 'validation_failed', 'error'] as const) assert.equal(allowsMove(terminal, 'expired', 'withdrawal'), false, terminal);
    assert.equal(moveKind('rejected', 'approved'), null);
  });

  test('the statuses a move may start from are read from the same table, a repeated progress included', () => {
    assert.deepEqual(statusesMovingTo('error', 'compensation'), ['approved']);
    assert.deepEqual(statusesMovingTo('expired', 'withdrawal').sort(), ['in_progress', 'pending', 'resubmission_required', 'submitted', 'under_review']);
    assert.ok(statusesMovingTo('approved', 'progress').includes('approved'));
    assert.ok(!statusesMovingTo('approved', 'progress').includes('rejected'));
  });
});

describe('owners of state', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const refusals = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  };
  const WALLET_WRITE = "import { type Tx } from './audit';\nexport const f = (tx: Tx) => tx.wallet.updateMany({ where: {}, data: { restrictedAt: null } });\n";
  const STATUS_WRITE = "import { type Tx } from './audit';\nexport const f = (tx: Tx) => tx.kycRecord.update({ where: { id: 'a' }, data: { status: 'expired' } });\n";
  const STATUS_SQL = "import { Prisma } from '../generated/prisma/client';\nexport const f = () => Prisma.sql`UPDATE kyc_records SET status = 'expired' WHERE id = ${'a'}::uuid`;\n";

  test('when a store other than the owner writes a wallet or a record status, then lint refuses it naming the owner', async () => {
    assert.match((await refusals('store/screening.ts', WALLET_WRITE)).join(), /wallets are written by store\/wallets.ts only/);
    assert.match((await refusals('store/privacy.ts', STATUS_WRITE)).join(), /kyc_records.status is written by store\/records.ts only/);
    assert.match((await refusals('api/use-cases/x.ts', STATUS_SQL)).join(), /kyc_records.status is written by store\/records.ts only/);
  });

  test('when the owner writes its own state, then lint lets it, and still refuses the others’', async () => {
    assert.deepEqual(await refusals('store/wallets.ts', WALLET_WRITE), []);
    assert.deepEqual(await refusals('store/records.ts', STATUS_WRITE), []);
    assert.match((await refusals('store/records.ts', WALLET_WRITE)).join(), /wallets are written by store\/wallets.ts only/);
  });

  test('when api/ or web/ query the database themselves, then lint refuses it: they go through store/', async () => {
    const query = "import { type Db } from '../../infra/db';\nexport const f = (db: Db) => db.opsAlert.findMany({});\n";
    const raw = "import { type Db } from '../../infra/db';\nexport const f = (db: Db) => db.$queryRaw`SELECT 1`;\n";
    for (const [file, code] of [['api/routes/x.ts', query], ['api/use-cases/x.ts', raw]] as const) assert.match((await refusals(file, code)).join(), /reach the database through store\/ only/, file);
    assert.match((await refusals('events/x.ts', query)).join(), /reach the database through store\/ only/, 'the event side too');
    assert.deepEqual(await refusals('store/x.ts', query), [], 'the store may');
  });

  test('the code as it is has no write of these outside their owners', async () => {
    const results = await eslint.lintFiles(['store/**/*.ts', 'api/**/*.ts', 'activities/**/*.ts', 'events/**/*.ts', 'web/**/*.ts', 'scripts/**/*.ts', 'worker/**/*.ts']);
    const found = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.message}`));
    assert.deepEqual(found, []);
  });
});
