// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Prisma } from '../../generated/prisma/client';
import { createDb, type Db } from '../../infra/db';
import { MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from '../../infra/migrate';
import { WALLET_TIERS } from '../../domain/wallet';
import { basicLimits } from '../../store/wallets';
import { createTestDatabase } from '../support/database';
import { withClient } from '../support/pg';

// infra/migrate.ts stands in for `prisma migrate deploy` where Prisma's native engine cannot run.
// It must keep Prisma's bookkeeping exactly, and the database it builds must be the one the
// generated client expects.

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

interface BookkeepingRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}


function bookkeeping(url: string): Promise<BookkeepingRow[]> {
  return withClient(url, async (client) => (await client.query<BookkeepingRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows);
}

function tableExists(url: string, table: string): Promise<boolean> {
  return withClient(url, async (client) => (await client.query('SELECT to_regclass($1) AS t', [`public.${table}`])).rows[0]?.t !== null);
}

describe('the migration runner', () => {
  const databases: TestDatabase[] = [];
  const tempDirs: string[] = [];
  after(async () => {
    await Promise.all(databases.map((db) => db.drop()));
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  async function emptyDatabase(): Promise<TestDatabase> {
    const db = await createTestDatabase({ migrated: false });
    databases.push(db);
    return db;
  }
  async function migrationsCopy(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'kyc-migrations-'));
    tempDirs.push(dir);
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  test('records every migration as Prisma does: sha256 of migration.sql, finished, one step', async () => {
    const db = await emptyDatabase();
    const names = (await readMigrations()).map((m) => m.name);
    assert.ok(names.length > 0);
    assert.deepEqual(await migrate(db.url), names);

    const rows = await bookkeeping(db.url);
    assert.deepEqual(rows.map((r) => r.migration_name), names);
    for (const row of rows) {
      // Computed here from the file bytes, independently of the runner's own readMigrations().
      const sql = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      assert.equal(row.checksum, createHash('sha256').update(sql).digest('hex'), row.migration_name);
      assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.ok(row.finished_at instanceof Date, `${row.migration_name} has no finished_at`);
      assert.equal(row.rolled_back_at, null);
      assert.equal(row.logs, null);
      assert.equal(row.applied_steps_count, 1);
    }
  });

  test('a second run applies nothing and writes nothing', async () => {
    const db = await emptyDatabase();
    await migrate(db.url);
    const before = await bookkeeping(db.url);
    assert.deepEqual(await migrate(db.url), []);
    assert.deepEqual(await bookkeeping(db.url), before);
  });

  test('refuses a migration that changed after it was applied', async () => {
    const db = await emptyDatabase();
    const dir = await migrationsCopy();
    const [first] = await readMigrations(dir);
    assert.ok(first);
    await migrate(db.url, dir);
    await appendFile(path.join(dir, first.name, 'migration.sql'), '\n-- edited after the fact\n');
    await assert.rejects(migrate(db.url, dir), (err: Error) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, new RegExp(`${first.name} was modified after it was applied`));
      return true;
    });
  });

  test('applies a new migration later; a failing one is rolled back and not recorded', async () => {
    const db = await emptyDatabase();
    const dir = await migrationsCopy();
    await migrate(db.url, dir);

    const added = '99990101000000_add_probe';
    await mkdir(path.join(dir, added));
    await writeFile(path.join(dir, added, 'migration.sql'), 'CREATE TABLE "migration_probe" ("id" INTEGER PRIMARY KEY);\n');
    assert.deepEqual(await migrate(db.url, dir), [added]);
    assert.equal(await tableExists(db.url, 'migration_probe'), true);

    const broken = '99990102000000_broken';
    await mkdir(path.join(dir, broken));
    await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n');
    await assert.rejects(migrate(db.url, dir), (err: Error) => err instanceof MigrationError && err.message.includes(broken));
    assert.equal(await tableExists(db.url, 'half_done'), false, 'the failed migration left a table behind');
    assert.equal((await bookkeeping(db.url)).some((r) => r.migration_name === broken), false);
  });
});

// Prisma returns Decimal objects; compare their values, not their identity.
function comparable(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Prisma.Decimal.isDecimal(value) ? value.toString() : value]));
}

// Every scalar field of the model is set, so a column the migrations lack, mistype or misname fails
// the write or the comparison; a field added to the schema later fails here until it is covered.
function assertEveryField(model: string, fields: Record<string, string>, data: object): void {
  assert.deepEqual(Object.keys(data).sort(), Object.values(fields).sort(), `${model}: the test data must set every column`);
}

describe('the generated client on a migrated database', () => {
  let db: TestDatabase | undefined;
  let prisma: Db;
  before(async () => {
    db = await createTestDatabase();
    prisma = createDb(db.url, 2);
  });
  after(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  // Millisecond timestamps: the columns are timestamptz(3).
  const at = (iso: string) => new Date(iso);

  test('writes and reads back every column of every model', async () => {
    const customer = {
      id: randomUUID(),
      username: 'roundtrip-customer',
      email: 'customer@example.test',
      passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
      role: 'customer',
      isActive: false,
      tokenVersion: 3,
      externalIssuer: 'https://idp.example.test/',
      externalSubject: 'subject-1',
      erasedAt: at('2026-01-09T00:00:00.000Z'),
      createdAt: at('2026-01-02T03:04:05.678Z'),
      updatedAt: at('2026-01-02T03:04:06.789Z'),
    } satisfies Prisma.UserUncheckedCreateInput;
    const reviewer = { ...customer, id: randomUUID(), username: 'roundtrip-reviewer', email: 'reviewer@example.test', passwordHash: null, role: 'senior_reviewer', isActive: true, tokenVersion: 0, externalIssuer: null, externalSubject: null, erasedAt: null } satisfies Prisma.UserUncheckedCreateInput;
    assertEveryField('User', Prisma.UserScalarFieldEnum, customer);
    for (const user of [customer, reviewer]) {
      await prisma.user.create({ data: user });
      assert.deepEqual(comparable(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })), comparable(user));
    }

    const record = {
      id: randomUUID(),
      userId: customer.id,
      status: 'approved',
      statusReason: 'all checks passed',
      nextAction: 'none',
      verificationLevel: 'enhanced',
      firstNameEnc: 'k1:first',
      lastNameEnc: 'k1:last',
      dateOfBirthEnc: 'k1:dob',
      documentNumberEnc: 'k1:doc',
      documentNumberHash: 'f'.repeat(64),
      addressEnc: 'k1:address',
      nationality: 'EE',
      country: 'DE',
      documentType: 'PASSPORT',
      workflowId: `kyc-${customer.id}`,
      workflowRunId: randomUUID(),
      veriffSessionId: randomUUID(),
      veriffSessionUrl: 'https://alchemy.veriff.com/v/abc',
      attempt: 2,
      vendorStatus: 'approved',
      vendorReasonCode: 102,
      extractedDataEnc: 'k1:extracted',
      riskScore: 17,
      riskReasons: [{ code: 'new_document', weight: 10 }, { code: 'country', weight: 7 }],
      verifiedAt: at('2026-01-03T00:00:00.001Z'),
      piiErasedAt: null,
      restrictedAt: at('2026-01-09T00:00:00.000Z'),
      retainUntil: at('2031-01-09T00:00:00.000Z'),
      screeningMatchConfirmedAt: at('2026-01-05T00:00:00.001Z'),
      createdAt: at('2026-01-02T04:00:00.000Z'),
      updatedAt: at('2026-01-03T00:00:00.002Z'),
    } satisfies Prisma.KycRecordUncheckedCreateInput;
    assertEveryField('KycRecord', Prisma.KycRecordScalarFieldEnum, record);
    await prisma.kycRecord.create({ data: record });
    assert.deepEqual(comparable(await prisma.kycRecord.findUniqueOrThrow({ where: { id: record.id } })), comparable(record));

    const event = {
      id: randomUUID(),
      kycRecordId: record.id,
      eventType: 'status_changed',
      fromStatus: 'under_review',
      toStatus: 'approved',
      actorType: 'reviewer',
      actorId: reviewer.id,
      reason: 'documents match',
      data: { reviewTaskId: 'rt-1', nested: { ok: true } },
      dedupeKey: `status:${record.id}:approved`,
      createdAt: at('2026-01-03T00:00:00.003Z'),
    } satisfies Prisma.KycEventUncheckedCreateInput;
    assertEveryField('KycEvent', Prisma.KycEventScalarFieldEnum, event);
    await prisma.kycEvent.create({ data: event });
    assert.deepEqual(comparable(await prisma.kycEvent.findUniqueOrThrow({ where: { id: event.id } })), comparable(event));

    const wallet = {
      id: randomUUID(),
      userId: customer.id,
      walletType: 'premium',
      isKycVerified: true,
      dailyLimit: new Prisma.Decimal('1234567890.12'),
      monthlyLimit: new Prisma.Decimal('123456789012.34'),
      upgradedAt: at('2026-01-03T00:00:01.000Z'),
      upgradedByRecordId: record.id,
      restrictedAt: at('2026-01-05T00:00:00.002Z'),
      restrictionReason: 'screening_match_confirmed',
      createdAt: at('2026-01-02T03:04:05.678Z'),
      updatedAt: at('2026-01-03T00:00:01.000Z'),
    } satisfies Prisma.WalletUncheckedCreateInput;
    assertEveryField('Wallet', Prisma.WalletScalarFieldEnum, wallet);
    await prisma.wallet.create({ data: wallet });
    assert.deepEqual(comparable(await prisma.wallet.findUniqueOrThrow({ where: { id: wallet.id } })), comparable(wallet));

    const task = {
      id: randomUUID(),
      kycRecordId: record.id,
      workflowId: record.workflowId,
      assigneeId: reviewer.id,
      level: 'senior',
      status: 'decided',
      dueAt: at('2026-01-04T00:00:00.000Z'),
      escalatedAt: at('2026-01-03T12:00:00.000Z'),
      decision: 'request_resubmission',
      reasonCode: 'blurry_document',
      notesEnc: 'k1:second-look',
      decidedById: reviewer.id,
      decidedAt: at('2026-01-03T13:00:00.000Z'),
      createdAt: at('2026-01-02T05:00:00.000Z'),
      updatedAt: at('2026-01-03T13:00:00.001Z'),
    } satisfies Prisma.ReviewTaskUncheckedCreateInput;
    assertEveryField('ReviewTask', Prisma.ReviewTaskScalarFieldEnum, task);
    await prisma.reviewTask.create({ data: task });
    assert.deepEqual(comparable(await prisma.reviewTask.findUniqueOrThrow({ where: { id: task.id } })), comparable(task));

    const receipt = {
      id: randomUUID(),
      source: 'veriff',
      kind: 'decision',
      kycRecordId: record.id,
      sessionId: record.veriffSessionId,
      attemptId: randomUUID(),
      statusOrAction: 'approved',
      dedupeKey: `${record.veriffSessionId}:approved`,
      rawBodyEnc: 'k1:body',
      bodyErasedAt: null,
      signatureVerdict: 'valid',
      outcome: 'processed',
      receivedAt: at('2026-01-03T00:00:00.000Z'),
      processedAt: at('2026-01-03T00:00:00.500Z'),
      dispatchAfter: at('2026-01-03T00:00:30.000Z'),
      dispatchAttempts: 1,
    } satisfies Prisma.WebhookReceiptUncheckedCreateInput;
    assertEveryField('WebhookReceipt', Prisma.WebhookReceiptScalarFieldEnum, receipt);
    await prisma.webhookReceipt.create({ data: receipt });
    assert.deepEqual(comparable(await prisma.webhookReceipt.findUniqueOrThrow({ where: { id: receipt.id } })), comparable(receipt));

    const outbox = {
      id: randomUUID(),
      kycRecordId: record.id,
      type: 'com.example.kyc.approved',
      source: '/kyc',
      subject: record.id,
      data: { recordId: record.id, status: 'approved' },
      dedupeKey: `approved:${record.id}`,
      attempts: 3,
      lastError: 'connect ECONNREFUSED',
      createdAt: at('2026-01-03T00:00:00.004Z'),
      publishedAt: at('2026-01-03T00:05:00.000Z'),
      dispatchedAt: at('2026-01-03T00:05:00.001Z'),
      quarantinedAt: null,
      position: 1n,
      subjectSeq: 1,
    } satisfies Prisma.OutboxEventUncheckedCreateInput;
    assertEveryField('OutboxEvent', Prisma.OutboxEventScalarFieldEnum, outbox);
    await prisma.outboxEvent.create({ data: outbox });
    // The insert trigger numbers the row itself (the first of its subject, the first of the table).
    assert.deepEqual(comparable(await prisma.outboxEvent.findUniqueOrThrow({ where: { id: outbox.id } })), comparable(outbox));

    const subscription = {
      id: randomUUID(),
      url: 'https://hooks.example.test/kyc',
      eventTypes: ['KYC_VERIFIED', 'KYC_REJECTED'],
      description: 'Wallet service',
      secretEnc: 'k1:secret',
      status: 'paused',
      managedBy: 'KYC_NOTIFY_URL',
      createdBy: customer.id,
      createdAt: at('2026-01-03T00:00:00.006Z'),
      updatedAt: at('2026-01-03T00:00:00.007Z'),
    } satisfies Prisma.WebhookSubscriptionUncheckedCreateInput;
    assertEveryField('WebhookSubscription', Prisma.WebhookSubscriptionScalarFieldEnum, subscription);
    await prisma.webhookSubscription.create({ data: subscription });
    assert.deepEqual(comparable(await prisma.webhookSubscription.findUniqueOrThrow({ where: { id: subscription.id } })), comparable(subscription));

    const delivery = {
      id: randomUUID(),
      subscriptionId: subscription.id,
      outboxEventId: outbox.id,
      eventType: 'KYC_VERIFIED',
      status: 'failed',
      generation: 2,
      attempts: 7,
      lastStatusCode: 503,
      lastAttemptAt: at('2026-01-03T01:00:00.000Z'),
      nextAttemptAt: at('2026-01-03T02:00:00.000Z'),
      workflowStartedAt: at('2026-01-03T00:05:00.002Z'),
      completedAt: at('2026-01-06T00:05:00.000Z'),
      createdAt: at('2026-01-03T00:05:00.001Z'),
    } satisfies Prisma.WebhookDeliveryUncheckedCreateInput;
    assertEveryField('WebhookDelivery', Prisma.WebhookDeliveryScalarFieldEnum, delivery);
    await prisma.webhookDelivery.create({ data: delivery });
    assert.deepEqual(comparable(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })), comparable(delivery));

    const attempt = {
      id: randomUUID(),
      deliveryId: delivery.id,
      trigger: 'manual',
      startedAt: at('2026-01-03T01:00:00.000Z'),
      latencyMs: 123,
      outcome: 'timeout',
      responseStatus: null,
      errorCode: 'ETIMEDOUT',
    } satisfies Prisma.WebhookDeliveryAttemptUncheckedCreateInput;
    assertEveryField('WebhookDeliveryAttempt', Prisma.WebhookDeliveryAttemptScalarFieldEnum, attempt);
    await prisma.webhookDeliveryAttempt.create({ data: attempt });
    assert.deepEqual(comparable(await prisma.webhookDeliveryAttempt.findUniqueOrThrow({ where: { id: attempt.id } })), comparable(attempt));

    const securityEvent = {
      id: randomUUID(),
      type: 'forbidden',
      ip: '2001:db8::7',
      userId: customer.id,
      method: 'GET',
      route: '/api/admin/security-events/',
      status: 403,
      details: { verdict: 'role_refused' },
      createdAt: at('2026-01-03T00:00:00.005Z'),
    } satisfies Prisma.SecurityEventUncheckedCreateInput;
    assertEveryField('SecurityEvent', Prisma.SecurityEventScalarFieldEnum, securityEvent);
    await prisma.securityEvent.create({ data: securityEvent });
    assert.deepEqual(comparable(await prisma.securityEvent.findUniqueOrThrow({ where: { id: securityEvent.id } })), comparable(securityEvent));

    const bucket = { key: 'verification-start:203.0.113.9', windowStart: at('2026-01-03T00:00:00.000Z'), hits: 4 } satisfies Prisma.RateLimitBucketUncheckedCreateInput;
    assertEveryField('RateLimitBucket', Prisma.RateLimitBucketScalarFieldEnum, bucket);
    await prisma.rateLimitBucket.create({ data: bucket });
    assert.deepEqual(await prisma.rateLimitBucket.findUniqueOrThrow({ where: { key_windowStart: { key: bucket.key, windowStart: bucket.windowStart } } }), bucket);

    const throttle = { key: 'account:' + 'a'.repeat(64), failures: 7, lastFailureAt: at('2026-01-03T00:00:00.006Z'), lockedUntil: at('2026-01-03T00:02:08.006Z') } satisfies Prisma.LoginThrottleUncheckedCreateInput;
    assertEveryField('LoginThrottle', Prisma.LoginThrottleScalarFieldEnum, throttle);
    await prisma.loginThrottle.create({ data: throttle });
    assert.deepEqual(await prisma.loginThrottle.findUniqueOrThrow({ where: { key: throttle.key } }), throttle);

    const audit = {
      id: randomUUID(),
      userId: reviewer.id,
      actorId: null,
      actorProvider: 'https://idp.example.test/',
      action: 'role_changed',
      fromRole: 'reviewer',
      toRole: 'senior_reviewer',
      reason: 'promoted after training',
      createdAt: at('2026-01-03T00:00:00.007Z'),
    } satisfies Prisma.UserAuditEventUncheckedCreateInput;
    assertEveryField('UserAuditEvent', Prisma.UserAuditEventScalarFieldEnum, audit);
    await prisma.userAuditEvent.create({ data: audit });
    assert.deepEqual(await prisma.userAuditEvent.findUniqueOrThrow({ where: { id: audit.id } }), audit);

    const subjectKey = {
      id: randomUUID(),
      subjectId: customer.id,
      purpose: 'retained',
      wrappedKey: 'k1.wrapped',
      ringKeyId: 'k1',
      createdAt: at('2026-01-09T00:00:00.000Z'),
      rewrappedAt: at('2026-02-01T00:00:00.000Z'),
      destroyedAt: null,
    } satisfies Prisma.SubjectKeyUncheckedCreateInput;
    assertEveryField('SubjectKey', Prisma.SubjectKeyScalarFieldEnum, subjectKey);
    await prisma.subjectKey.create({ data: subjectKey });
    assert.deepEqual(await prisma.subjectKey.findUniqueOrThrow({ where: { id: subjectKey.id } }), subjectKey);

    const erasure = {
      id: randomUUID(),
      userId: customer.id,
      basis: 'account_closure',
      status: 'erased',
      requestedBy: reviewer.id,
      requestedByRole: 'admin',
      workflowId: `kyc-erasure-${customer.id}`,
      plan: { eraseNow: ['account'], retained: [] },
      erased: { records: 1 },
      vendorSessions: 2,
      vendorDeleted: 1,
      requestedAt: at('2026-01-09T00:00:00.000Z'),
      erasedAt: at('2026-01-09T00:00:01.000Z'),
      completedAt: null,
    } satisfies Prisma.ErasureRequestUncheckedCreateInput;
    assertEveryField('ErasureRequest', Prisma.ErasureRequestScalarFieldEnum, erasure);
    await prisma.erasureRequest.create({ data: erasure });
    assert.deepEqual(comparable(await prisma.erasureRequest.findUniqueOrThrow({ where: { id: erasure.id } })), comparable(erasure));

    const privacyAudit = {
      id: randomUUID(),
      action: 'restricted_read',
      subjectId: customer.id,
      actorId: reviewer.id,
      actorRole: 'auditor',
      reason: 'regulator request 2026-17',
      details: { records: 1 },
      createdAt: at('2026-01-10T00:00:00.000Z'),
    } satisfies Prisma.PrivacyAuditEventUncheckedCreateInput;
    assertEveryField('PrivacyAuditEvent', Prisma.PrivacyAuditEventScalarFieldEnum, privacyAudit);
    await prisma.privacyAuditEvent.create({ data: privacyAudit });
    assert.deepEqual(await prisma.privacyAuditEvent.findUniqueOrThrow({ where: { id: privacyAudit.id } }), privacyAudit);

    // The foreign keys join the way the relations say.
    const graph = await prisma.kycRecord.findUniqueOrThrow({
      where: { id: record.id },
      include: { user: { include: { wallet: true } }, events: true, reviewTasks: { include: { assignee: true, decidedBy: true } }, receipts: true, outbox: true },
    });
    assert.equal(graph.user.wallet?.id, wallet.id);
    assert.deepEqual(graph.events.map((e) => e.id), [event.id]);
    assert.deepEqual(graph.reviewTasks.map((t) => [t.id, t.assignee?.id, t.decidedBy?.id]), [[task.id, reviewer.id, reviewer.id]]);
    assert.deepEqual(graph.receipts.map((r) => r.id), [receipt.id]);
    assert.deepEqual(graph.outbox.map((o) => o.id), [outbox.id]);
    const deliveries = await prisma.webhookSubscription.findUniqueOrThrow({ where: { id: subscription.id }, include: { deliveries: { include: { outboxEvent: true, attemptLog: true } } } });
    assert.deepEqual(deliveries.deliveries.map((d) => [d.id, d.outboxEvent.id, d.attemptLog.map((a) => a.id)]), [[delivery.id, outbox.id, [attempt.id]]]);

    // Screening as part of the verification: a run's hit on the record's case, and a rescreen.
    const run = await prisma.screeningRun.create({ data: { subjectId: customer.id, recordId: record.id, trigger: 'list_update', listVersionIds: [], threshold: 0.8, result: 'potential_match', matchCount: 1 } });
    const hit = await prisma.screeningHit.create({ data: { runId: run.id, entryId: 'un-sc:1', entryContentHash: 'a'.repeat(64), source: 'un-sc', kind: 'sanction', entryName: 'A', matchedName: 'A', score: 0.9, match: true, explanation: {} } });
    const caseHit = {
      id: randomUUID(),
      recordId: record.id,
      subjectId: customer.id,
      hitId: hit.id,
      entryId: hit.entryId,
      entryContentHash: hit.entryContentHash,
      identityHash: 'b'.repeat(64),
      status: 'true_match',
      resolvedBy: reviewer.id,
      resolvedAt: at('2026-01-05T00:00:00.000Z'),
      reasonEnc: 'k1:reason',
      createdAt: at('2026-01-04T00:00:00.000Z'),
    } satisfies Prisma.ScreeningCaseHitUncheckedCreateInput;
    assertEveryField('ScreeningCaseHit', Prisma.ScreeningCaseHitScalarFieldEnum, caseHit);
    await prisma.screeningCaseHit.create({ data: caseHit });
    assert.deepEqual(comparable(await prisma.screeningCaseHit.findUniqueOrThrow({ where: { id: caseHit.id } })), comparable(caseHit));
    await assert.rejects(prisma.screeningCaseHit.create({ data: { ...caseHit, id: randomUUID() } }), 'one case hit per record, entry content and identity');
    await prisma.screeningCaseHit.create({ data: { ...caseHit, id: randomUUID(), identityHash: 'c'.repeat(64) } });
    const rescreen = {
      id: randomUUID(),
      workflowId: 'kyc-screening-rescreen-x',
      trigger: 'list_update',
      listVersionIds: [randomUUID()],
      status: 'completed',
      screened: 100_000,
      withHits: 3,
      casesOpened: 2,
      batches: 201,
      startedAt: at('2026-01-04T00:00:00.000Z'),
      updatedAt: at('2026-01-04T00:10:00.000Z'),
      completedAt: at('2026-01-04T00:10:00.001Z'),
    } satisfies Prisma.ScreeningRescreenUncheckedCreateInput;
    assertEveryField('ScreeningRescreen', Prisma.ScreeningRescreenScalarFieldEnum, rescreen);
    await prisma.screeningRescreen.create({ data: rescreen });
    assert.deepEqual(comparable(await prisma.screeningRescreen.findUniqueOrThrow({ where: { id: rescreen.id } })), comparable(rescreen));
  });

  test('column defaults match the schema', async () => {
    const user = await prisma.user.create({ data: { username: 'defaults' } });
    assert.equal(user.role, 'customer');
    assert.equal(user.isActive, true);
    assert.equal(user.tokenVersion, 0);
    const record = await prisma.kycRecord.create({
      data: {
        userId: user.id,
        firstNameEnc: 'k1:a',
        lastNameEnc: 'k1:b',
        dateOfBirthEnc: 'k1:c',
        documentNumberEnc: 'k1:d',
        documentNumberHash: 'e'.repeat(64),
        addressEnc: 'k1:f',
        nationality: 'DE',
        country: 'DE',
        documentType: 'ID_CARD',
        workflowId: `kyc-${user.id}`,
        workflowRunId: randomUUID(),
      },
    });
    assert.equal(record.status, 'pending');
    assert.equal(record.verificationLevel, 'standard');
    assert.equal(record.attempt, 1);
    // The limits have no column defaults: they come from domain/wallet.ts through store/wallets.ts.
    await assert.rejects(prisma.wallet.create({ data: { userId: user.id } as Prisma.WalletUncheckedCreateInput }));
    const wallet = await prisma.wallet.create({ data: { userId: user.id, ...basicLimits() } });
    assert.equal(wallet.walletType, 'basic');
    assert.equal(wallet.isKycVerified, false);
    assert.equal(wallet.dailyLimit.toString(), WALLET_TIERS.basic.dailyLimit.replace(/\.00$/, ''));
    assert.equal(wallet.monthlyLimit.toString(), WALLET_TIERS.basic.monthlyLimit.replace(/\.00$/, ''));
    const receipt = await prisma.webhookReceipt.create({ data: { kind: 'event', rawBodyEnc: 'k1:g', signatureVerdict: 'missing' } });
    assert.equal(receipt.source, 'veriff');
    assert.equal(receipt.outcome, 'received');
    const outbox = await prisma.outboxEvent.create({ data: { type: 't', source: 's', data: {}, dedupeKey: randomUUID() } });
    assert.equal(outbox.attempts, 0);
    assert.equal(outbox.publishedAt, null);
    assert.equal(outbox.dispatchedAt, null);
    assert.equal(outbox.subjectSeq, null, 'no subject, no sequence');
    const subscription = await prisma.webhookSubscription.create({ data: { url: 'https://hooks.example.test/', eventTypes: ['KYC_CREATED'], secretEnc: 'k1:s' } });
    assert.equal(subscription.status, 'active');
    const delivery = await prisma.webhookDelivery.create({ data: { subscriptionId: subscription.id, outboxEventId: outbox.id, eventType: 't' } });
    assert.equal(delivery.status, 'pending');
    assert.equal(delivery.generation, 1);
    assert.equal(delivery.attempts, 0);
    const bucket = await prisma.rateLimitBucket.create({ data: { key: 'defaults', windowStart: new Date() } });
    assert.equal(bucket.hits, 0);
  });
});
