// needs: postgres, temporal, workflow-bundle, rabbitmq, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { retentionPolicies } from '../../domain/privacy';
import { webhookRetryPolicy } from '../../domain/webhooks';
import { WebhookDispatcher } from '../../events/dispatch';
import { OutboxRelay } from '../../events/relay';
import { createDb } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { EncryptionCodec } from '../../infra/payload-codec';
import { createStores } from '../../store';
import { SubjectErased } from '../../store/personal-data';
import { opsDailyReport } from '../../workflows/ops-checks';
import { privacyRetention } from '../../workflows/privacy';
import { alertThresholds } from '../../domain/alerts';
import { consumeEvents, sharedBrokerUrl, type EventConsumer } from '../support/broker';
import { createTestDatabase } from '../support/database';
import { piiFoundIn } from '../support/pii-search';
import { api, createUser, eventually, runtimeLogs, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// Erasure proven on the real servers. Three customers: Alice (a declined verification, then one a
// reviewer approved: the due-diligence record AML rules keep), Bob (a verification still running
// when an admin closes his account) and Carol (untouched). After the erasures, a full pg_dump of
// the main database and of the key store, every Temporal history of Alice and Bob fetched raw from
// the server (and the copies taken before, decoded with every service key), the logs, the outbox
// and the broker's messages hold none of their personal data in any encoding; Carol's data and the
// audit trail are intact; Alice's kept record is readable by the auditor alone, with a logged
// reason, until its retention ends, then it goes too; and restoring a backup taken before the
// erasure brings back nothing readable.

const run = promisify(execFile);

// About 30 seconds: the AML retention of Alice's kept record ends while the test runs.
const AML_RETENTION_YEARS = '0.00000095';

const ALICE = {
  ...SAMPLE_APPLICATION,
  first_name: 'Zephyrinelle',
  last_name: 'Oakhurstova',
  date_of_birth: '1984-02-29',
  document_number: 'BP482913067',
  address_line_1: '77 Quimbly Terrace',
  address_line_2: 'Flat Marigoldview',
};
const ALICE_EMAIL = 'zephyrinelle.oakhurstova@example.test';
const ALICE_NOTES = 'Zephyrinelle confirmed 77 Quimbly Terrace by phone';
const BOB = { ...SAMPLE_APPLICATION, first_name: 'Thaddeusmir', last_name: 'Brackenvale', date_of_birth: '1979-11-03', document_number: 'BP715392846', address_line_1: '12 Wrenfield Crescent' };
const CAROL = { ...SAMPLE_APPLICATION, first_name: 'Carolinda', last_name: 'Fenwickstone', date_of_birth: '1991-07-19', document_number: 'BP305718294', address_line_1: '3 Larkspur Gardens' };

const piiOf = (a: { first_name: string; last_name: string; date_of_birth: string; document_number: string; address_line_1: string; address_line_2?: string }) => [a.first_name, a.last_name, a.date_of_birth, a.document_number, a.address_line_1, ...(a.address_line_2 ? [a.address_line_2] : [])];

interface RawHistory {
  workflowId: string;
  runId: string;
  history: temporal.api.history.v1.IHistory;
}

describe('erasure of a customer, proven on the real servers', () => {
  let system: TestSystem;
  let keyStoreDatabase: Awaited<ReturnType<typeof createTestDatabase>>;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  let workdir: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let admin: TestUser;
  let auditor: TestUser;
  let reviewer: TestUser;
  const records = { aliceDeclined: '', aliceApproved: '', bob: '', carol: '' };
  const sessions = { aliceDeclined: '', aliceApproved: '', bob: '' };
  let backupFile: string;
  let keyStoreBackupFile: string;
  let historiesBefore: RawHistory[];
  let alicePii: string[];
  let bobPii: string[];
  const erasures = { alice: '', bob: '' };
  let auditBefore: Map<string, string[]>;
  // The kept verification's images (the vendor's media, fetched after its decision) as sealed and as sent, and its screening runs.
  let keptDocumentsBefore: { id: string; sealed: Buffer; bytes: Buffer }[];
  let keptScreeningRuns: number;

  // The sanctions and PEP lists are public data loaded as production loads them (a listed person
  // may share a customer's birth date): their rows are left out of the search, their schema is not.
  const PUBLIC_LIST_TABLES = ['screening_entries', 'screening_entry_tokens'].flatMap((table) => ['--exclude-table-data', table]);
  const pgDump = async (url: string): Promise<string> => (await run('pg_dump', ['--no-owner', '--no-privileges', ...PUBLIC_LIST_TABLES, url], { maxBuffer: 256 * 1024 * 1024 })).stdout;

  const start = async (customer: TestUser, application: object): Promise<string> => {
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: application });
    assert.equal(started.status, 201, started.text);
    return started.json.id as string;
  };
  const statusOf = (recordId: string) => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
  const reachStatus = (recordId: string, status: string) => eventually(() => statusOf(recordId), (r) => r.status === status, 30_000, `${recordId} ${status}`);

  /** Every execution of the customer's verifications and reviews, with its history as the server sends it (no codec involved). */
  const rawHistories = async (userId: string, recordIds: string[]): Promise<RawHistory[]> => {
    const query = `WorkflowId = 'kyc-${userId}' OR KycRecordId IN (${recordIds.map((id) => `'${id}'`).join(', ')})`;
    const found: RawHistory[] = [];
    for await (const execution of system.client.workflow.list({ query })) {
      const events: temporal.api.history.v1.IHistoryEvent[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await system.client.workflowService.getWorkflowExecutionHistory({
          namespace: system.config.TEMPORAL_NAMESPACE,
          execution: { workflowId: execution.workflowId, runId: execution.runId },
          ...(nextPageToken ? { nextPageToken } : {}),
        });
        events.push(...(page.history?.events ?? []));
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      found.push({ workflowId: execution.workflowId, runId: execution.runId, history: { events } });
    }
    return found;
  };
  const historyBytes = (h: RawHistory) => Buffer.from(temporal.api.history.v1.History.encode(h.history).finish());

  /** Every payload of a history decoded with the service's payload keys: what someone holding every service key reads. */
  const decodedPayloads = async (h: RawHistory): Promise<string[]> => {
    const codec = new EncryptionCodec(system.config.KYC_PAYLOAD_KEYS, { acceptPlaintext: false });
    const payloads: Payload[] = [];
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if (node instanceof Uint8Array) return;
      const candidate = node as { metadata?: unknown; data?: unknown };
      if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
        payloads.push(candidate as Payload);
        return;
      }
      for (const value of Object.values(node)) walk(value);
    };
    walk(h.history);
    return (await codec.decode(payloads)).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
  };

  before(async () => {
    keyStoreDatabase = await createTestDatabase();
    system = await startTestSystem({ KYC_KEY_STORE_URL: keyStoreDatabase.url, KYC_AML_RETENTION_YEARS: AML_RETENTION_YEARS });
    workdir = await mkdtemp(path.join(tmpdir(), 'kyc-privacy-'));
    consumer = await consumeEvents(sharedBrokerUrl());
    const dispatcher = new WebhookDispatcher({ db: system.db, temporal: system.client, taskQueue: system.config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(system.config) });
    relay = new OutboxRelay({ db: system.db, databaseUrl: system.config.DATABASE_URL!, brokerUrl: sharedBrokerUrl(), dispatcher, logger: createLogger('error', {}, () => undefined), pollIntervalMs: 100 });
    relay.start();

    [alice, bob, carol, admin, auditor, reviewer] = [await createUser(system), await createUser(system), await createUser(system), await createUser(system, 'admin'), await createUser(system, 'auditor'), await createUser(system, 'reviewer')];
    await system.db.user.update({ where: { id: alice.id }, data: { email: ALICE_EMAIL } });
    alicePii = [...piiOf(ALICE), ALICE_EMAIL, alice.username, 'Marigoldview'];
    bobPii = [...piiOf(BOB), bob.username];

    // Alice: declined first, then sent to review, where a reviewer approves with notes.
    records.aliceDeclined = await start(alice, ALICE);
    await decide(system, records.aliceDeclined, { status: 'declined', reasonCode: 102 });
    await reachStatus(records.aliceDeclined, 'rejected');
    // Its workflow must have ended too, or the next start attaches to it.
    const declined = await statusOf(records.aliceDeclined);
    await system.client.workflow.getHandle(declined.workflowId, declined.workflowRunId).result();
    records.aliceApproved = await start(alice, ALICE);
    await decide(system, records.aliceApproved, { status: 'review' });
    await reachStatus(records.aliceApproved, 'under_review');
    const task = await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: records.aliceApproved, status: 'open' } }), (t) => t !== null && t.assigneeId === reviewer.id, 30_000, 'the review task');
    const decided = await api(system, 'POST', `/api/review/tasks/${task!.id}/decision/`, { token: reviewer.token, body: { decision: 'approve', notes: ALICE_NOTES } });
    assert.equal(decided.status, 200, decided.text);
    await reachStatus(records.aliceApproved, 'approved');
    // Bob: a verification still waiting for him. Carol: approved.
    records.bob = await start(bob, BOB);
    records.carol = await start(carol, CAROL);
    await decide(system, records.carol, { status: 'approved' });
    await reachStatus(records.carol, 'approved');
    for (const key of ['aliceDeclined', 'aliceApproved', 'bob'] as const) sessions[key] = (await statusOf(records[key])).veriffSessionId!;
    // Each decided session's images are fetched from the vendor and kept (fetchVendorMedia).
    for (const recordId of [records.aliceDeclined, records.aliceApproved]) {
      await eventually(() => system.db.document.count({ where: { kycRecordId: recordId } }), (n) => n > 0, 30_000, 'the vendor media kept');
    }
    const keptDocuments = await system.db.document.findMany({ where: { kycRecordId: records.aliceApproved }, orderBy: { id: 'asc' } });
    keptDocumentsBefore = await Promise.all(keptDocuments.map(async (d) => ({ id: d.id, sealed: Buffer.from(d.contentEnc), bytes: await system.stores.personalData.open(alice.id, Buffer.from(d.contentEnc)) })));
    keptScreeningRuns = await system.db.screeningRun.count({ where: { recordId: records.aliceApproved } });

    // What a backup and a copy of Temporal's store would hold: taken before the erasures.
    backupFile = path.join(workdir, 'before-erasure.dump');
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--file', backupFile, system.config.DATABASE_URL!]);
    keyStoreBackupFile = path.join(workdir, 'key-store-before-erasure.dump');
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--file', keyStoreBackupFile, keyStoreDatabase.url]);
    historiesBefore = [...(await rawHistories(alice.id, [records.aliceDeclined, records.aliceApproved])), ...(await rawHistories(bob.id, [records.bob]))];
    auditBefore = new Map();
    for (const id of [records.aliceDeclined, records.aliceApproved, records.bob]) auditBefore.set(id, (await system.db.kycEvent.findMany({ where: { kycRecordId: id }, orderBy: { createdAt: 'asc' } })).map((e) => e.id));
  });

  after(async () => {
    await relay?.stop();
    await consumer?.close();
    await system?.stop();
    await keyStoreDatabase?.drop();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  test('when the customer exports their data before anything is erased, then they get every verification with what they submitted, its status changes and what was decided, and what is withheld from them', async () => {
    const exported = await api(system, 'GET', '/api/privacy/export', { token: alice.token });
    assert.equal(exported.status, 200, exported.text);
    const verifications = exported.json.verifications as { id: string; status: string; reason: string; personal_data: string; submitted: Record<string, unknown>; events: { type: string }[] }[];
    assert.deepEqual(verifications.map((v) => [v.id, v.status, v.personal_data]), [[records.aliceDeclined, 'rejected', 'held'], [records.aliceApproved, 'approved', 'held']]);
    assert.equal(verifications[0]!.submitted.document_number, ALICE.document_number);
    assert.equal(verifications[0]!.reason, 'The document could not be accepted.', 'the decline in the words of the status views');
    assert.ok(verifications[1]!.events.some((e) => e.type === 'KYC_APPROVED'));
    // The reviewer's notes and decision, the vendor's codes: staff records, withheld and named.
    assert.equal(exported.text.includes(ALICE_NOTES), false);
    assert.ok(!verifications[1]!.events.some((e) => e.type === 'REVIEW_DECISION'));
    assert.ok((exported.json.withheld as { category: string }[]).some((w) => w.category === 'staff_notes'));
    assert.equal((exported.json.subject as { email: string }).email, ALICE_EMAIL);
    const trail = await system.db.privacyAuditEvent.findMany({ where: { subjectId: alice.id, action: 'subject_export' } });
    assert.equal(trail.length, 1, 'the export is on the privacy audit trail');
    assert.deepEqual([trail[0]!.actorId, trail[0]!.actorRole], [alice.id, 'customer']);
  });

  test('when the histories are read raw before the erasure, then they hold no personal data even decoded with every service key: the application and the notes are sealed with the customer key', async () => {
    assert.ok(historiesBefore.length >= 4, `verifications and the review (${historiesBefore.length} histories)`);
    const decoded = (await Promise.all(historiesBefore.map(decodedPayloads))).flat();
    assert.ok(decoded.some((text) => text.includes('"sealedApplication":"pd1.')), 'the input is decoded, its application sealed');
    assert.ok(decoded.some((text) => text.includes('"sealedNotes":"pd1.')), "the reviewer's notes travel sealed");
    assert.deepEqual(piiFoundIn([...historiesBefore.map(historyBytes), ...decoded], [...alicePii, ALICE_NOTES, ...bobPii]), []);
  });

  test('when Alice asks for erasure, then the answer is 202 with what goes now and her approved, reviewed record kept until its AML retention ends', async () => {
    const asked = await api(system, 'POST', '/api/privacy/erasure-requests', { token: alice.token, body: {} });
    assert.equal(asked.status, 202, asked.text);
    erasures.alice = asked.json.id as string;
    assert.equal(asked.json.basis, 'customer_request');
    const eraseNow = asked.json.erase_now as { kind: string; record_id?: string; basis: string }[];
    assert.deepEqual(eraseNow.filter((i) => i.kind === 'verification').map((i) => i.record_id), [records.aliceDeclined]);
    assert.ok(eraseNow.some((i) => i.kind === 'account') && eraseNow.some((i) => i.kind === 'workflow_histories'));
    const retained = asked.json.retained as { record_id: string; until: string; basis: string; access: string }[];
    assert.deepEqual(retained.map((r) => [r.record_id, r.basis]), [[records.aliceApproved, 'aml_record_keeping']]);
    const until = Date.parse(retained[0]!.until) - Date.parse(asked.json.requested_at as string);
    assert.ok(until > 25_000 && until < 35_000, `kept for KYC_AML_RETENTION_YEARS (${until} ms)`);
    assert.match(retained[0]!.access, /auditor/);
    // The account is closed at once; asking again as someone else is not possible, and the id is the receipt.
    assert.equal((await api(system, 'GET', '/api/kyc/summary/', { token: alice.token })).status, 401);
  });

  test("when an admin closes Bob's account while his verification runs, then the verification is cancelled cleanly first and withdrawn", async () => {
    const refused = await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: {} });
    assert.equal(refused.status, 422, 'an admin names the customer');
    const closed = await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: { user_id: bob.id } });
    assert.equal(closed.status, 202, closed.text);
    assert.equal(closed.json.basis, 'account_closure');
    erasures.bob = closed.json.id as string;
    const again = await api(system, 'POST', '/api/privacy/erasure-requests', { token: admin.token, body: { user_id: bob.id } });
    assert.equal(again.json.id, erasures.bob, 'asking again answers the same request');

    for (const id of [erasures.alice, erasures.bob]) {
      await eventually(() => api(system, 'GET', `/api/privacy/erasure-requests/${id}`, { token: admin.token }), (r) => r.json?.status === 'completed', 120_000, `erasure ${id} completed`);
    }
    const bobRecord = await statusOf(records.bob);
    assert.equal(bobRecord.status, 'expired');
    const withdrawn = await system.db.kycEvent.findFirst({ where: { kycRecordId: records.bob, eventType: 'VERIFICATION_WITHDRAWN' } });
    assert.ok(withdrawn, 'the cancelled workflow withdrew its record before the erasure');
    const bobRequest = await api(system, 'GET', `/api/privacy/erasure-requests/${erasures.bob}`, { token: auditor.token });
    assert.deepEqual(bobRequest.json.vendor_sessions, { to_delete: 1, deleted: 1 });
    const aliceRequest = await api(system, 'GET', `/api/privacy/erasure-requests/${erasures.alice}`, { token: admin.token });
    assert.deepEqual(aliceRequest.json.vendor_sessions, { to_delete: 1, deleted: 1 }, "the declined verification's session; the kept one stays until retention ends");
    const erased = aliceRequest.json.erased as Record<string, number>;
    assert.deepEqual([erased.verifications_erased, erased.verifications_restricted, erased.review_notes], [1, 1, 0], JSON.stringify(erased));
    assert.ok(erased.webhook_bodies! >= 2, "the vendor's messages about both verifications");
    // The vendor no longer has the sessions of what was erased; it keeps the kept record's.
    const simulatorHas = async (sessionId: string) => (await fetch(`${system.simulator.url}/control/sessions/${sessionId}`)).status === 200;
    assert.deepEqual([await simulatorHas(sessions.aliceDeclined), await simulatorHas(sessions.bob), await simulatorHas(sessions.aliceApproved)], [false, false, true]);
  });

  test('when the erasures are done, then no Temporal history of Alice or Bob is left on the server, and the copies taken before yield nothing even with every service key', async () => {
    assert.deepEqual(await rawHistories(alice.id, [records.aliceDeclined, records.aliceApproved]), []);
    assert.deepEqual(await rawHistories(bob.id, [records.bob]), []);
    for (const h of historiesBefore) {
      await assert.rejects(
        system.client.workflowService.getWorkflowExecutionHistory({ namespace: system.config.TEMPORAL_NAMESPACE, execution: { workflowId: h.workflowId, runId: h.runId } }),
        (err: Error & { code?: number }) => err.code === 5,
        `${h.workflowId} is deleted`,
      );
    }
    // Someone holding every service key and an old copy of the histories: the sealed values name keys that are gone.
    const sealed = (await Promise.all(historiesBefore.map(decodedPayloads))).flat().flatMap((text) => [...text.matchAll(/"(?:sealedApplication|sealedNotes|sealedAddress)":"(pd1\.[^"]+)"/g)].map((m) => m[1]!));
    assert.ok(sealed.length >= 3, `sealed values in the old histories (${sealed.length})`);
    for (const value of sealed) {
      // Each value opens for its own customer only, and their key is destroyed.
      const outcomes = await Promise.all([alice.id, bob.id].map((subjectId) => system.stores.personalData.open(subjectId, value).then(() => 'opened', (err: Error) => (err instanceof SubjectErased ? 'erased' : 'other subject'))));
      assert.deepEqual([...outcomes].sort(), ['erased', 'other subject']);
    }
  });

  test('when the main database and the key store are dumped, and the logs, outbox and broker messages are read, then none holds Alice\'s or Bob\'s personal data in any encoding', async () => {
    const dumps = [await pgDump(system.config.DATABASE_URL!), await pgDump(keyStoreDatabase.url)];
    assert.ok(dumps[0]!.includes(records.aliceApproved) && dumps[1]!.includes(alice.id), 'the dumps are of the right databases');
    assert.deepEqual(piiFoundIn(dumps, [...alicePii, ALICE_NOTES, ...bobPii]), []);
    const logs = [...system.logs, ...runtimeLogs.map((entry) => JSON.stringify(entry))].join('\n');
    assert.ok(logs.length > 1000, 'logs were written');
    assert.deepEqual(piiFoundIn([logs], [...alicePii, ALICE_NOTES, ...bobPii]), []);
    const ours = new Set(Object.values(records));
    const messages = await eventually(async () => consumer.received.filter((m) => ours.has(m.event.subject)), (list) => list.length >= 6, 20_000, 'the broker messages of our records');
    assert.deepEqual(piiFoundIn([JSON.stringify(messages)], [...alicePii, ...bobPii]), []);
    const outbox = await system.db.outboxEvent.findMany({ where: { kycRecordId: { in: [...ours] } } });
    assert.ok(outbox.length >= 6);
    assert.deepEqual(piiFoundIn([JSON.stringify(outbox, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))], [...alicePii, ...bobPii]), []);
  });

  test("when the erasures are done, then Carol's data opens as before and the audit trail of the erased records is intact, with tombstones naming the legal basis", async () => {
    const carolRecord = await statusOf(records.carol);
    const application = await system.stores.records.submittedApplication(carolRecord);
    assert.deepEqual([application.first_name, application.document_number, application.address_line_1], [CAROL.first_name, CAROL.document_number, CAROL.address_line_1]);
    for (const [recordId, before] of auditBefore) {
      const now = await system.db.kycEvent.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' } });
      assert.deepEqual(now.map((e) => e.id).slice(0, before.length), before, `${recordId}: every earlier event is still there`);
    }
    const erased = await system.db.kycEvent.findFirstOrThrow({ where: { kycRecordId: records.aliceDeclined, eventType: 'PERSONAL_DATA_ERASED' } });
    assert.deepEqual(erased.data, { basis: 'gdpr_art_17_1', requestId: erasures.alice });
    const restricted = await system.db.kycEvent.findFirstOrThrow({ where: { kycRecordId: records.aliceApproved, eventType: 'PERSONAL_DATA_RESTRICTED' } });
    assert.equal((restricted.data as { basis: string }).basis, 'aml_record_keeping');
    const trail = (await system.db.privacyAuditEvent.findMany({ where: { subjectId: alice.id }, orderBy: { createdAt: 'asc' } })).map((e) => e.action);
    assert.deepEqual(trail, ['subject_export', 'erasure_requested', 'erasure_carried_out', 'erasure_completed']);
    const user = await system.db.user.findUniqueOrThrow({ where: { id: alice.id } });
    assert.deepEqual([user.username, user.email, user.passwordHash, user.isActive], [`erased-${alice.id}`, null, null, false]);
    assert.ok(user.erasedAt);
    assert.equal(await system.db.securityEvent.count({ where: { userId: alice.id, ip: { not: null } } }), 0);
  });

  test("when a reviewer opens Alice's kept record, then it is refused (410); the auditor reads it only with a reason, and the read is on the audit trail", async () => {
    const asReviewer = await api(system, 'GET', `/api/review/cases/${records.aliceApproved}/`, { token: reviewer.token });
    assert.equal(asReviewer.status, 410, asReviewer.text);
    assert.deepEqual(piiFoundIn([asReviewer.text], alicePii), []);
    const noReason = await api(system, 'GET', `/api/privacy/export?user_id=${alice.id}`, { token: auditor.token });
    assert.equal(noReason.status, 400);
    assert.ok((noReason.json.errors as { field: string }[]).some((e) => e.field === 'query.reason'));
    const reason = 'FIU request 2026-0417';
    const exported = await api(system, 'GET', `/api/privacy/export?user_id=${alice.id}&reason=${encodeURIComponent(reason)}`, { token: auditor.token });
    assert.equal(exported.status, 200, exported.text);
    const verifications = exported.json.verifications as { id: string; personal_data: string; submitted: Record<string, unknown> | null; review_decisions: { notes: string | null }[] }[];
    assert.deepEqual(verifications.map((v) => [v.id, v.personal_data]), [[records.aliceDeclined, 'erased'], [records.aliceApproved, 'restricted']]);
    assert.equal(verifications[0]!.submitted, null);
    assert.equal(verifications[1]!.submitted?.last_name, ALICE.last_name, 'the kept record opens with the retained key');
    assert.equal(verifications[1]!.review_decisions[0]!.notes, ALICE_NOTES);
    const read = await system.db.privacyAuditEvent.findFirstOrThrow({ where: { subjectId: alice.id, action: 'restricted_read' } });
    assert.deepEqual([read.actorId, read.actorRole, read.reason], [auditor.id, 'auditor', reason]);
  });

  test("when the erasures are done, then documents and screening results followed their verification: the erased one's are gone, the kept one's are re-sealed under the retained key and exported to the auditor only", async () => {
    assert.equal(await system.db.document.count({ where: { kycRecordId: records.aliceDeclined } }), 0, "the declined verification's images are erased");
    assert.equal(await system.db.screeningRun.count({ where: { recordId: records.aliceDeclined } }), 0);
    const kept = await system.db.document.findMany({ where: { kycRecordId: records.aliceApproved }, orderBy: { id: 'asc' } });
    assert.deepEqual(kept.map((d) => d.id), keptDocumentsBefore.map((d) => d.id), "the kept verification's images stay with it");
    for (const [i, document] of kept.entries()) {
      const before = keptDocumentsBefore[i]!;
      assert.notDeepEqual(Buffer.from(document.contentEnc), before.sealed, 're-sealed under another key');
      assert.deepEqual(await system.stores.personalData.open(alice.id, Buffer.from(document.contentEnc)), before.bytes, 'and opens with the retained key');
    }
    assert.ok(keptScreeningRuns > 0, 'the kept verification was screened');
    assert.equal(await system.db.screeningRun.count({ where: { recordId: records.aliceApproved } }), keptScreeningRuns);

    const exported = await api(system, 'GET', `/api/privacy/export?user_id=${alice.id}&reason=${encodeURIComponent('FIU request 2026-0418')}`, { token: auditor.token });
    assert.equal(exported.status, 200, exported.text);
    const other = exported.json.other_data as { kind: string; items: { recordId?: string; verification_id?: string }[] }[];
    const itemsOf = (kind: string) => other.find((o) => o.kind === kind)?.items ?? [];
    assert.deepEqual(itemsOf('documents').map((d) => d.recordId), kept.map(() => records.aliceApproved));
    assert.equal(itemsOf('screening_results').length, keptScreeningRuns);
    assert.ok(itemsOf('screening_results').every((r) => r.verification_id === records.aliceApproved));
    // Carol, untouched: her screening is withheld from her own export (named as withheld), and in the auditor's.
    const carolExport = await api(system, 'GET', '/api/privacy/export', { token: carol.token });
    const carolOther = carolExport.json.other_data as { kind: string; items: unknown[] }[];
    assert.deepEqual(carolOther.map((o) => o.kind), ['documents'], "Carol's screening is not in her export");
    assert.ok((carolExport.json.withheld as { category: string }[]).some((w) => w.category === 'screening_results'));
    const carolAudit = await api(system, 'GET', `/api/privacy/export?user_id=${carol.id}&reason=${encodeURIComponent('FIU request 2026-0419')}`, { token: auditor.token });
    const carolFull = carolAudit.json.other_data as { kind: string; items: unknown[] }[];
    assert.ok((carolFull.find((o) => o.kind === 'screening_results')?.items.length ?? 0) > 0, "Carol's screening is in the auditor's export");
  });

  test('when a backup taken before the erasure is restored, then nothing of Alice or Bob opens (the keys are gone), and the reconciliation erases what the restore brought back', async () => {
    const restored = await createTestDatabase({ migrated: false });
    const db = createDb(restored.url, 2);
    try {
      await run('pg_restore', ['--no-owner', '--no-privileges', '--dbname', restored.url, backupFile]);
      const stores = createStores(db, { cipher: system.cipher, keyStore: system.keyStore, amlRetentionYears: system.config.KYC_AML_RETENTION_YEARS });
      for (const id of [records.aliceDeclined, records.aliceApproved, records.bob]) {
        const record = await db.kycRecord.findUniqueOrThrow({ where: { id } });
        assert.ok(record.firstNameEnc && record.piiErasedAt === null, 'the backup has the ciphertext');
        await assert.rejects(stores.records.submittedApplication(record), SubjectErased, `${id} does not open`);
      }
      const carolApplication = await stores.records.submittedApplication(await db.kycRecord.findUniqueOrThrow({ where: { id: records.carol } }));
      assert.equal(carolApplication.last_name, CAROL.last_name, "Carol's data restores");
      const receipt = await db.webhookReceipt.findFirstOrThrow({ where: { kycRecordId: records.aliceDeclined, rawBodyEnc: { not: null } } });
      await assert.rejects(stores.receipts.body(receipt.id), SubjectErased);

      const { reapplied } = await stores.privacy.reapplyErasures(null, 100);
      assert.equal(reapplied, 2, 'Alice and Bob');
      assert.deepEqual(piiFoundIn([await pgDump(restored.url)], [...alicePii, ALICE_NOTES, ...bobPii]), []);
      assert.ok((await db.privacyAuditEvent.count({ where: { action: 'erasure_reapplied' } })) === 2);
    } finally {
      await db.$disconnect();
      await restored.drop();
    }
  });

  test('when a key store backup taken before the erasure is restored, then the reconciliation destroys the erased keys again, so no old copy opens with it', async () => {
    const restored = await createTestDatabase({ migrated: false });
    const keyStore = createDb(restored.url, 2);
    try {
      await run('pg_restore', ['--no-owner', '--no-privileges', '--dbname', restored.url, keyStoreBackupFile]);
      const stores = createStores(system.db, { cipher: system.cipher, keyStore, amlRetentionYears: system.config.KYC_AML_RETENTION_YEARS });
      const [oldApplication] = (await Promise.all(historiesBefore.filter((h) => h.workflowId === `kyc-${alice.id}`).map(decodedPayloads))).flat().flatMap((text) => [...text.matchAll(/"sealedApplication":"(pd1\.[^"]+)"/g)].map((m) => m[1]!));
      assert.ok(oldApplication, "Alice's application as an old copy of the history holds it");
      assert.equal((await stores.personalData.openJson<{ last_name: string }>(alice.id, oldApplication)).last_name, ALICE.last_name, 'the restored key would open old copies');
      const { destroyed } = await stores.privacy.reapplyKeyDestructions(null, 100);
      assert.ok(destroyed >= 2, `Alice's and Bob's keys destroyed again (${destroyed})`);
      const fresh = createStores(system.db, { cipher: system.cipher, keyStore, amlRetentionYears: system.config.KYC_AML_RETENTION_YEARS });
      await assert.rejects(fresh.personalData.open(alice.id, oldApplication), SubjectErased);
      assert.deepEqual(piiFoundIn([await pgDump(restored.url)], [...alicePii, ...bobPii]), []);
    } finally {
      await keyStore.$disconnect();
      await restored.drop();
    }
  });

  test("when the AML retention of Alice's kept record ends, then the retention run erases it, destroys her retained key, deletes the vendor session and reports counts to the alerts and the daily report", async () => {
    const kept = await statusOf(records.aliceApproved);
    assert.ok(kept.retainUntil && kept.restrictedAt && kept.firstNameEnc);
    await eventually(async () => Date.now(), (now) => now > kept.retainUntil!.getTime(), 40_000, 'the end of retention');
    const result = await system.client.workflow.execute(privacyRetention, {
      workflowId: `retention-${randomUUID()}`,
      taskQueue: system.config.TEMPORAL_TASK_QUEUE,
      args: [{ policies: retentionPolicies(system.config), batch: 100 }],
    });
    assert.equal(result.removed.aml_retained, 1);
    assert.equal(result.vendorSessionsQueued, 1);
    const ended = await statusOf(records.aliceApproved);
    assert.ok(ended.piiErasedAt);
    assert.deepEqual([ended.firstNameEnc, ended.documentNumberEnc, ended.extractedDataEnc], [null, null, null]);
    assert.equal(await system.db.reviewTask.count({ where: { kycRecordId: records.aliceApproved, notesEnc: { not: null } } }), 0);
    assert.equal(await system.db.document.count({ where: { kycRecordId: records.aliceApproved } }), 0, 'its images go with it');
    assert.equal(await system.db.screeningRun.count({ where: { recordId: records.aliceApproved } }), 0, 'and its screening');
    const key = await system.keyStore.subjectKey.findUniqueOrThrow({ where: { subjectId_purpose: { subjectId: alice.id, purpose: 'retained' } } });
    assert.deepEqual([key.wrappedKey, key.destroyedAt !== null], [null, true]);
    const event = await system.db.kycEvent.findFirstOrThrow({ where: { kycRecordId: records.aliceApproved, eventType: 'PERSONAL_DATA_ERASED' } });
    assert.equal((event.data as { basis: string }).basis, 'aml_retention_ended');
    await eventually(async () => (await fetch(`${system.simulator.url}/control/sessions/${sessions.aliceApproved}`)).status, (status) => status === 404, 30_000, 'the vendor session deleted');

    const alert = await system.db.opsAlert.findFirstOrThrow({ where: { kind: 'retention_run' } });
    assert.equal(alert.severity, 'info');
    assert.equal((alert.details as { removed: Record<string, number> }).removed.aml_retained, 1);
    const today = new Date().toISOString().slice(0, 10);
    const report = await system.client.workflow.execute(opsDailyReport, { workflowId: `report-${randomUUID()}`, taskQueue: system.config.TEMPORAL_TASK_QUEUE, args: [{ thresholds: alertThresholds(system.config), timeZone: 'UTC', reportDate: today }] });
    assert.equal(report.figures.retentionRemoved.aml_retained, 1);

    const auditorView = await api(system, 'GET', `/api/privacy/export?user_id=${alice.id}&reason=${encodeURIComponent('after the retention')}`, { token: auditor.token });
    assert.deepEqual((auditorView.json.verifications as { personal_data: string }[]).map((v) => v.personal_data), ['erased', 'erased']);
    assert.deepEqual(piiFoundIn([await pgDump(system.config.DATABASE_URL!), await pgDump(keyStoreDatabase.url), auditorView.text], [...alicePii, ALICE_NOTES]), []);
  });
});
