// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { Client as PgClient } from 'pg';
import { api, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// PII never lies in clear where it is stored: not in PostgreSQL (columns and webhook bodies sealed
// with the customer's data key) and not in Temporal's history (the application is sealed with the
// customer's key before it enters, and the payload codec encrypts every payload with the service
// key on top). Staff who may decode payloads read them through the codec endpoint, which is how the
// Temporal UI shows them; the application inside stays sealed.

// Values found nowhere else, so a match can only be a leak.
const APPLICANT = {
  first_name: 'Xanthippe',
  last_name: 'Quillfeather',
  date_of_birth: '1987-06-14',
  nationality: 'BW',
  document_type: 'passport',
  document_number: 'QZ7654321',
  address_line_1: '42 Wisteria Lane',
  address_line_2: 'Unit 9B',
  city: 'Maun',
  state_province: 'North West',
  postal_code: '00000',
  country: 'BW',
} as const;
const PII = [APPLICANT.first_name, APPLICANT.last_name, APPLICANT.date_of_birth, APPLICANT.document_number, APPLICANT.address_line_1, APPLICANT.address_line_2, 'Wisteria'];
const UI_ORIGIN = 'http://localhost:8233';

const leaksIn = (text: string) => PII.filter((value) => text.toLowerCase().includes(value.toLowerCase()));

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

describe('PII at rest and in Temporal', () => {
  let system: TestSystem;
  let customer: TestUser;
  let admin: TestUser;
  let recordId: string;
  let history: temporal.api.history.v1.IHistory;

  before(async () => {
    system = await startTestSystem({ KYC_CODEC_ENCODE: 'true' }); // the encode endpoint is tried below (offered in development only by default)
    customer = await createUser(system);
    admin = await createUser(system, 'admin');
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: APPLICANT });
    assert.equal(started.status, 201, started.text);
    recordId = started.json.id as string;
    await decide(system, recordId, { status: 'approved' });
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'approved', 30_000, 'the approval');
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    await system.client.workflow.getHandle(record.workflowId, record.workflowRunId).result();

    // Raw from the server: the client's data converter (and so the codec) plays no part here.
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await system.client.workflowService.getWorkflowExecutionHistory({
        namespace: system.config.TEMPORAL_NAMESPACE,
        execution: { workflowId: record.workflowId, runId: record.workflowRunId },
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    history = { events };
  });
  after(async () => {
    await system?.stop();
  });

  const startedInput = (): JsonPayload[] => {
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    assert.ok(payloads.length > 0, 'the start event has an input');
    return payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    }));
  };
  const codec = (operation: 'decode' | 'encode', token: string, payloads: JsonPayload[], headers: Record<string, string> = {}) =>
    api(system, 'POST', `/codec/${operation}`, { token, body: { payloads }, headers: { 'x-namespace': system.config.TEMPORAL_NAMESPACE, ...headers } });

  test('when a verification has run to approval, then no kyc_records, webhook_receipts, event, outbox or security row holds the applicant\'s PII in clear', async () => {
    const pg = new PgClient({ connectionString: system.config.DATABASE_URL });
    await pg.connect();
    try {
      const dump = async (table: string) => (await pg.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${table} t`)).rows.map((r) => r.row);
      const records = await dump('kyc_records');
      const receipts = await dump('webhook_receipts');
      assert.equal(records.length, 1);
      assert.ok(receipts.length >= 3, `webhooks were received (${receipts.length})`);
      for (const table of ['kyc_records', 'webhook_receipts', 'kyc_events', 'outbox_events', 'security_events']) {
        assert.deepEqual(leaksIn((await dump(table)).join('\n')), [], `${table} holds PII in clear`);
      }
    } finally {
      await pg.end();
    }
    // Not vacuous: the PII is there, encrypted, and the decision webhook carried it too.
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    const application = await system.stores.records.submittedApplication(record);
    assert.equal(application.first_name, APPLICANT.first_name);
    assert.equal(application.document_number, APPLICANT.document_number);
    const decision = await system.db.webhookReceipt.findFirstOrThrow({ where: { kycRecordId: recordId, statusOrAction: 'approved' } });
    assert.ok(JSON.stringify(await system.stores.receipts.body(decision.id)).includes(APPLICANT.last_name));
  });

  test('when the workflow history is read raw from the Temporal server, then it holds no PII in clear', () => {
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok((history.events?.length ?? 0) > 10, 'a whole verification');
    assert.deepEqual(leaksIn(bytes.toString('latin1')), []);
    assert.deepEqual(leaksIn(bytes.toString('utf8')), []);
  });

  test("when an admin or the auditor decodes the history through the codec endpoint, then they read the payloads, whose application is sealed with the customer's key; a customer and a reviewer are refused", async () => {
    const sealed = startedInput();
    for (const role of ['admin', 'auditor'] as const) {
      const user = role === 'admin' ? admin : await createUser(system, role);
      const decoded = await codec('decode', user.token, sealed);
      assert.equal(decoded.status, 200, decoded.text);
      const clear = (decoded.json.payloads as JsonPayload[]).map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');
      // The service key opens the payload, not the application in it: that needs the customer's data key.
      const input = JSON.parse(clear) as { recordId: string; sealedApplication: string; country: string };
      assert.equal(input.recordId, recordId, `${role} reads the payload`);
      assert.equal(input.country, APPLICANT.country);
      assert.match(input.sealedApplication, /^pd1\./);
      assert.deepEqual(leaksIn(clear), [], `${role} reads no PII through the service keys alone`);
      const application = await system.stores.personalData.openJson<typeof APPLICANT>(customer.id, input.sealedApplication);
      assert.equal(application.document_number, APPLICANT.document_number, "the customer's key opens it");
    }
    for (const role of ['customer', 'reviewer'] as const) {
      const user = role === 'customer' ? customer : await createUser(system, role);
      const refused = await codec('decode', user.token, sealed);
      assert.equal(refused.status, 403, `${role}: ${refused.text}`);
      assert.deepEqual(leaksIn(refused.text), []);
    }
    assert.equal((await codec('decode', '', sealed)).status, 401);
  });

  test("when Temporal's own CLI shows the history through the codec endpoint, then an admin's token decodes the payloads (the application stays sealed) and a customer's does not", async () => {
    const cli = process.env.TEMPORAL_CLI_PATH;
    assert.ok(cli, 'TEMPORAL_CLI_PATH is set by scripts/test.sh');
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    const show = (token: string) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const args = ['workflow', 'show', '--address', system.config.TEMPORAL_ADDRESS, '--namespace', system.config.TEMPORAL_NAMESPACE, '--workflow-id', record.workflowId, '--run-id', record.workflowRunId, '--output', 'json', '--codec-endpoint', `${system.apiUrl}/codec`, '--codec-auth', `Bearer ${token}`, '--command-timeout', '4s'];
        execFile(cli, args, { timeout: 30_000 }, (error, stdout, stderr) => (error && error.code === undefined ? reject(error) : resolve({ code: error ? Number(error.code) : 0, out: `${stdout}${stderr}` })));
      });
    // The CLI prints payloads as protobuf JSON: the data of each, base64, is what it decoded.
    const payloadText = (out: string) => [...out.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
    const asAdmin = await show(admin.token);
    assert.equal(asAdmin.code, 0, asAdmin.out.slice(0, 2000));
    assert.match(payloadText(asAdmin.out), new RegExp(`"sealedApplication":"pd1\\.`), 'decoded: the input is readable JSON');
    assert.deepEqual(leaksIn(`${asAdmin.out}\n${payloadText(asAdmin.out)}`), []);
    // Refused, the CLI retries until its timeout and shows nothing decoded.
    const asCustomer = await show(customer.token);
    assert.deepEqual(leaksIn(`${asCustomer.out}\n${payloadText(asCustomer.out)}`), []);
    assert.doesNotMatch(payloadText(asCustomer.out), /sealedApplication/);
  });

  test('when an admin encodes a payload, then decoding gives it back and the auditor may not encode', async () => {
    const clear: JsonPayload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64') };
    const encoded = await codec('encode', admin.token, [clear]);
    assert.equal(encoded.status, 200, encoded.text);
    const sealed = encoded.json.payloads as JsonPayload[];
    assert.equal(Buffer.from(sealed[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    const decoded = await codec('decode', admin.token, sealed);
    assert.deepEqual(decoded.json.payloads, [clear]);
    assert.equal((await codec('encode', (await createUser(system, 'auditor')).token, [clear])).status, 403);
  });

  test('when a payload is tampered with or names another namespace, then the codec answers 400 problems, not errors', async () => {
    const [first] = startedInput();
    const data = Buffer.from(first!.data, 'base64');
    data.writeUInt8(data.readUInt8(data.length - 1) ^ 0xff, data.length - 1);
    const tampered = await codec('decode', admin.token, [{ ...first!, data: data.toString('base64') }]);
    assert.equal(tampered.status, 400, tampered.text);
    assert.match(tampered.contentType, /^application\/problem\+json/);
    const elsewhere = await codec('decode', admin.token, [first!], { 'x-namespace': 'someone-else' });
    assert.equal(elsewhere.status, 400);
  });

  test('when the Temporal UI calls from its origin, then the preflight and the answers carry CORS headers for it and for no other origin', async () => {
    const preflight = await fetch(`${system.apiUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);

    const decoded = await codec('decode', admin.token, startedInput(), { origin: UI_ORIGIN });
    assert.equal(decoded.status, 200);
    const refused = await fetch(`${system.apiUrl}/codec/decode`, { method: 'POST', headers: { origin: UI_ORIGIN, 'content-type': 'application/json' }, body: '{"payloads":[]}' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), UI_ORIGIN, 'the browser may read why it was refused');

    const foreign = await fetch(`${system.apiUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });
});
