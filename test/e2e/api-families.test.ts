// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createDb } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { databaseUrl } from '../support/database';
import { api, createUser, eventually, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// The API families over the one domain: every API is a view of the same kyc_records rows and
// workflows, so what one API does, the others show.

const US_PAYLOAD = { ...SAMPLE_APPLICATION, nationality: 'US', country: 'US', document_number: '123456789', city: 'Springfield', state_province: 'Illinois', postal_code: '62701' };

async function injectSessionFaults(system: TestSystem, count: number): Promise<void> {
  const faults = Array.from({ length: count }, () => ({ httpStatus: 503 }));
  const response = await fetch(`${system.simulator.url}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ createSession: faults }) });
  assert.equal(response.status, 200);
}

const kycStatus = (system: TestSystem, user: TestUser, id: string, status: string) =>
  eventually(() => api(system, 'GET', `/api/kyc/records/${id}/status/`, { token: user.token }), (r) => r.json.status === status, 20_000, `record ${id} to be ${status}`);

describe('applications: /v1/kyc/applications', () => {
  let system: TestSystem;
  let staff: TestUser;
  before(async () => {
    system = await startTestSystem();
    staff = await createUser(system, 'reviewer');
  });
  after(async () => {
    await system?.stop();
  });

  test('when a customer submits an application with the KYC records fields, then it is a pending verification seen the same by all three APIs', async () => {
    const customer = await createUser(system);
    const created = await api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: SAMPLE_APPLICATION });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    assert.equal(created.json.status, 'PENDING');
    assert.equal(created.json.user_id, customer.id);
    assert.deepEqual(created.json.documents, [{ doc_type: 'PASSPORT', issued_country: 'BW', file_id: null, side: null }], 'no file uploaded yet');
    assert.ok(String(created.json.session_url).startsWith(system.simulator.url));

    const asRecord = await api(system, 'GET', `/api/kyc/records/${id}/status/`, { token: customer.token });
    const asPassport = await api(system, 'GET', `/api/verifications/${id}/`, { token: customer.token });
    assert.equal(asRecord.json.status, 'pending');
    assert.equal(asPassport.json.status, 'submitted');
    assert.equal(asPassport.json.session_url, created.json.session_url);
    assert.equal(await system.db.kycRecord.count({ where: { userId: customer.id } }), 1);

    const again = await api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: SAMPLE_APPLICATION });
    assert.equal(again.status, 200, 'a second start attaches to the active verification');
    assert.equal(again.json.id, id);
  });

  test('when an application is invalid, then the answer is a 422 problem naming each field, like every start endpoint', async () => {
    const customer = await createUser(system);
    const response = await api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: { ...SAMPLE_APPLICATION, date_of_birth: '2015-01-01', country: 'ZZ' } });
    assert.equal(response.status, 422);
    assert.match(response.contentType, /^application\/problem\+json/);
    const fields = (response.json.errors as { field: string; rule: string }[]).map((e) => `${e.field}:${e.rule}`);
    assert.ok(fields.includes('date_of_birth:min_age') && fields.includes('country:iso_country'), fields.join());
    // documents is an array when present: null is refused (found by schemathesis), and nothing starts.
    const nullDocuments = await api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: { ...SAMPLE_APPLICATION, documents: null } });
    assert.equal(nullDocuments.status, 422, nullDocuments.text);
    assert.deepEqual((nullDocuments.json.errors as { field: string }[]).map((e) => e.field), ['documents']);
    assert.equal(await system.db.kycRecord.count({ where: { userId: customer.id } }), 0);
  });

  test('when the Veriff session already exists, then a PATCH answers 409 explaining why nothing can change', async () => {
    const customer = await createUser(system);
    const created = await api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: SAMPLE_APPLICATION });
    const response = await api(system, 'PATCH', `/v1/kyc/applications/${created.json.id as string}`, { token: customer.token, body: { city: 'Francistown' } });
    assert.equal(response.status, 409);
    assert.match(String(response.json.detail), /already been opened/);
  });

  test('when the address is amended before the Veriff session exists, then the record holds the new address, the audit trail names the fields, and Veriff then gets the session', async () => {
    const customer = await createUser(system);
    // Veriff fails twice: the session opens a few seconds later, after the retries.
    await injectSessionFaults(system, 2);
    const starting = api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: SAMPLE_APPLICATION });
    const record = await eventually(() => system.db.kycRecord.findFirst({ where: { userId: customer.id } }), (r) => r !== null, 10_000, 'the record');
    assert.equal(record!.veriffSessionId, null);

    const refused = await api(system, 'PATCH', `/v1/kyc/applications/${record!.id}`, { token: customer.token, body: { first_name: 'Jane' } });
    assert.equal(refused.status, 422, 'names are not among the fields that can change');
    const invalid = await api(system, 'PATCH', `/v1/kyc/applications/${record!.id}`, { token: customer.token, body: { address_line_1: '' } });
    assert.equal(invalid.status, 422);

    const patched = await api(system, 'PATCH', `/v1/kyc/applications/${record!.id}`, { token: customer.token, body: { address_line_1: '12 Khama Crescent', address_line_2: 'Flat 3' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.status, 'PENDING');

    const stored = await system.stores.records.submittedApplication(await system.db.kycRecord.findUniqueOrThrow({ where: { id: record!.id } }));
    assert.equal(stored.address_line_1, '12 Khama Crescent');
    assert.equal(stored.address_line_2, 'Flat 3');
    assert.equal(stored.city, SAMPLE_APPLICATION.city);
    const event = await system.db.kycEvent.findFirstOrThrow({ where: { kycRecordId: record!.id, eventType: 'APPLICATION_UPDATED' } });
    assert.deepEqual(event.data, { fields: ['address_line_1', 'address_line_2'] });
    assert.equal(event.actorId, customer.id);

    const started = await starting;
    assert.equal(started.status, 201, started.text);
    assert.equal(started.json.id, record!.id);
  });

  test('when a postcode breaks the rules of the country on file, then the PATCH is refused with the field error', async () => {
    const customer = await createUser(system);
    await injectSessionFaults(system, 2);
    const starting = api(system, 'POST', '/v1/kyc/applications', { token: customer.token, body: US_PAYLOAD });
    const record = await eventually(() => system.db.kycRecord.findFirst({ where: { userId: customer.id } }), (r) => r !== null, 10_000, 'the record');
    const response = await api(system, 'PATCH', `/v1/kyc/applications/${record!.id}`, { token: customer.token, body: { postal_code: 'ABC' } });
    assert.equal(response.status, 422);
    assert.deepEqual((response.json.errors as { field: string }[]).map((e) => e.field), ['postal_code']);
    assert.equal((await starting).status, 201);
  });

  test('when applications are listed, then customers see their own, staff see all, filtered by application status, country and dates, page by page', async () => {
    const botswanan = await createUser(system);
    const american = await createUser(system);
    const rolledBack = await createUser(system);
    const bw = (await api(system, 'POST', '/v1/kyc/applications', { token: botswanan.token, body: SAMPLE_APPLICATION })).json.id as string;
    const us = (await api(system, 'POST', '/v1/kyc/applications', { token: american.token, body: US_PAYLOAD })).json.id as string;
    const rb = (await api(system, 'POST', '/v1/kyc/applications', { token: rolledBack.token, body: SAMPLE_APPLICATION })).json.id as string;
    await decide(system, us, { status: 'declined', reasonCode: 102 });
    await kycStatus(system, american, us, 'rejected');
    // A compensated approval, arranged directly: the saga itself is covered by the workflow tests.
    await system.db.kycRecord.update({ where: { id: rb }, data: { status: 'error' } });
    await system.db.kycEvent.create({ data: { kycRecordId: rb, eventType: 'KYC_ROLLBACK', fromStatus: 'approved', toStatus: 'error', actorType: 'system' } });

    const own = await api(system, 'GET', '/v1/kyc/applications', { token: american.token });
    assert.deepEqual((own.json.items as { id: string }[]).map((i) => i.id), [us]);
    assert.equal((own.json.items as { status: string }[])[0]!.status, 'REJECTED');

    const ids = async (query: string) => ((await api(system, 'GET', `/v1/kyc/applications?${query}`, { token: staff.token })).json.items as { id: string }[]).map((i) => i.id);
    assert.ok((await ids('status=REJECTED&limit=100')).includes(us));
    assert.ok(!(await ids('status=REJECTED&limit=100')).includes(rb), 'a rolled-back record is ROLLED_BACK, not REJECTED');
    assert.deepEqual(await ids('status=ROLLED_BACK'), [rb]);
    assert.ok((await ids('status=PENDING&limit=100')).includes(bw));
    assert.ok(!(await ids('status=PENDING&limit=100')).includes(us));
    const inUs = await ids('country=us&limit=100');
    assert.ok(inUs.includes(us) && !inUs.includes(bw) && !inUs.includes(rb), 'the country filter (case-insensitive)');

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    assert.ok((await ids(`created_from=${today}&created_to=${today}&limit=100`)).includes(us), 'a date-only created_to includes that whole day');
    assert.deepEqual(await ids(`created_from=${tomorrow}`), []);
    assert.deepEqual(await ids(`created_to=${yesterday}`), []);

    const all = await ids('limit=100');
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await api(system, 'GET', `/v1/kyc/applications?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: staff.token });
      assert.ok((response.json.items as unknown[]).length <= 2);
      paged.push(...(response.json.items as { id: string }[]).map((i) => i.id));
      cursor = response.json.next_cursor as string | null;
    } while (cursor);
    assert.deepEqual(paged, all, 'pages follow each other without gaps or repeats');

    for (const bad of ['limit=101', 'limit=0', 'status=DONE', 'cursor=bm90LWEtY3Vyc29y', 'created_from=yesterday', 'country=USA']) {
      const response = await api(system, 'GET', `/v1/kyc/applications?${bad}`, { token: staff.token });
      assert.equal(response.status, 422, `${bad}: ${response.text}`);
      assert.ok((response.json.errors as { field: string }[]).every((e) => e.field.startsWith('query.')), response.text);
    }
  });
});

describe('passport verifications: /api/verifications', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    await system?.stop();
  });

  const submit = async (customer: TestUser, body: unknown = { ...SAMPLE_APPLICATION, document_type: undefined }) => {
    const response = await api(system, 'POST', '/api/verifications/', { token: customer.token, body });
    assert.equal(response.status, 201, response.text);
    return response.json.id as string;
  };
  const passportStatusOf = (customer: TestUser, id: string, status: string) =>
    eventually(() => api(system, 'GET', `/api/verifications/${id}/`, { token: customer.token }), (r) => r.json.status === status, 20_000, `verification ${id} to be ${status}`);

  test('when passport details are submitted without a document type, then a passport verification starts in the submitted state', async () => {
    const customer = await createUser(system);
    const id = await submit(customer);
    const response = await api(system, 'GET', `/api/verifications/${id}/`, { token: customer.token });
    assert.equal(response.json.status, 'submitted');
    assert.equal(response.json.document_type, 'passport');
    assert.ok(response.json.reason && response.json.next_action, 'every state comes with a reason and a next action');
  });

  test('when the provider asks for a resubmission, then the state is requires_action and a retry opens a new attempt of the same verification', async () => {
    const customer = await createUser(system);
    const id = await submit(customer);
    await decide(system, id, { status: 'resubmission_requested', reasonCode: 204 });
    await passportStatusOf(customer, id, 'requires_action');
    const retried = await api(system, 'POST', `/api/verifications/${id}/retry/`, { token: customer.token });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.json.id, id);
    assert.equal(retried.json.attempt, 2);
    assert.equal(retried.json.status, 'submitted');
  });

  test('when a verification expired, then a retry starts a new verification from the details already submitted', async () => {
    const customer = await createUser(system);
    const id = await submit(customer, US_PAYLOAD);
    await decide(system, id, { status: 'expired' });
    await passportStatusOf(customer, id, 'expired');
    const retried = await api(system, 'POST', `/api/verifications/${id}/retry/`, { token: customer.token });
    assert.equal(retried.status, 201, retried.text);
    assert.notEqual(retried.json.id, id);
    assert.equal(retried.json.status, 'submitted');
    const again = await system.stores.records.submittedApplication(await system.db.kycRecord.findUniqueOrThrow({ where: { id: retried.json.id as string } }));
    assert.equal(again.document_number, US_PAYLOAD.document_number);
    assert.equal(again.postal_code, US_PAYLOAD.postal_code);
  });

  test('when a verification was declined or is still running, then a retry answers 409 saying why', async () => {
    const customer = await createUser(system);
    const id = await submit(customer);
    const running = await api(system, 'POST', `/api/verifications/${id}/retry/`, { token: customer.token });
    assert.equal(running.status, 409);
    assert.match(String(running.json.detail), /Nothing to retry/);
    await decide(system, id, { status: 'declined', reasonCode: 102 });
    await passportStatusOf(customer, id, 'failed');
    const declined = await api(system, 'POST', `/api/verifications/${id}/retry/`, { token: customer.token });
    assert.equal(declined.status, 409);
    assert.match(String(declined.json.detail), /declined/);
  });
});

describe('service health and readiness', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({}, { worker: false });
  });
  after(async () => {
    await system?.stop();
  });

  // A second API over a broken dependency, to see the readiness check fail.
  async function withApp(deps: { databaseUrl?: string; temporal?: Client }, probe: (url: string) => Promise<void>): Promise<void> {
    const db = createDb(deps.databaseUrl ?? system.config.DATABASE_URL!, 1);
    const app = createApp({ db, temporal: deps.temporal ?? system.client, cipher: system.cipher, config: system.config, logger: createLogger('error') });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await probe(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.$disconnect();
    }
  }

  test('when the health check is called, then it answers operational with the version of package.json', async () => {
    const version = (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    const response = await api(system, 'GET', '/api/v1/health');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { status: 'operational', version });
  });

  test('when the database and Temporal answer, then the service is ready', async () => {
    const response = await api(system, 'GET', '/api/v1/ready');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });

  test('when the database is unreachable, then readiness is a 503 problem naming the failed check', async () => {
    await withApp({ databaseUrl: databaseUrl('kyc_no_such_database') }, async (url) => {
      const response = await fetch(`${url}/api/v1/ready`);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 503);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.deepEqual(body.checks, { database: 'failed', temporal: 'ok' });
      assert.doesNotMatch(JSON.stringify(body), /kyc_no_such_database|does not exist/);
    });
  });

  test('when Temporal is unreachable, then the service stays ready (webhooks and reads are served) and names the failed check, and a start answers 503 itself', async () => {
    // A client whose connection is gone: every call fails, as when the frontend is down.
    const connection = await Connection.connect({ address: system.config.TEMPORAL_ADDRESS });
    await connection.close();
    await withApp({ temporal: new Client({ connection }) }, async (url) => {
      const response = await fetch(`${url}/api/v1/ready`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ready', checks: { database: 'ok', temporal: 'failed' } });
      const customer = await createUser(system);
      const start = await fetch(`${url}/api/kyc/records/start_verification/`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` }, body: JSON.stringify(SAMPLE_APPLICATION) });
      assert.equal(start.status, 503, await start.text());
    });
  });
});
