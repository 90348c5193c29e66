// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { signPayload } from '../../vendors/veriff/signature';
import { fileForm } from '../support/documents';
import { api, createUser, SAMPLE_APPLICATION, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// The authorisation matrix: every operation of /openapi.json, called by every role. What each
// operation admits is read from the document (x-roles), which is generated from the same
// declarations that install the guards; this test holds the two to each other: an admitted role
// gets past the guard, any other gets 403, no token gets 401, and a customer asking for another
// customer's record gets 404. An operation added later joins the matrix by itself: without a
// sample below it is called with random ids and no body, which the guard judges all the same.

type Caller = 'anonymous' | 'customer' | 'reviewer' | 'senior_reviewer' | 'admin' | 'auditor' | 'service';
const CALLERS: readonly Caller[] = ['anonymous', 'customer', 'reviewer', 'senior_reviewer', 'admin', 'auditor', 'service'];

interface Operation {
  operationId: string;
  method: string;
  path: string;
  roles: string[] | null; // null: public
}

interface Sample {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A multipart/form-data body (uploads), instead of JSON. */
  form?: FormData;
}

// Operations that read, although they are POSTs: decoding Temporal payloads and searching the
// sanctions lists change nothing.
const READS_BY_POST = new Set(['codecDecode', 'screeningSearch']);

describe('authorisation matrix over every documented operation', () => {
  let system: TestSystem;
  const users = {} as Record<Exclude<Caller, 'anonymous'>, TestUser>;
  let otherCustomer: TestUser;
  // The customer whose account the admin's erasure request closes (a customer asking with this id is refused 422).
  let erasable: TestUser;
  let recordId: string;
  let operations: Operation[];
  // A small real image: the upload endpoints get past their checks to the rules behind them.
  let image: Buffer;

  const webhookBody = () => JSON.stringify({ id: randomUUID(), action: 'started', vendorData: 'not-a-record' });
  // Requests for the operations that need data of their own; {id} is the owner's record. Every
  // caller gets the same request.
  const samples: Record<string, () => Sample> = {
    veriffWebhook: () => {
      const body = webhookBody();
      return { path: '/api/kyc/webhook/veriff/', body, headers: { 'content-type': 'application/json', 'x-hmac-signature': signPayload(body, system.config.VERIFF_WEBHOOK_SECRET), 'x-auth-client': system.config.VERIFF_API_KEY } };
    },
    codecDecode: () => ({ path: '/codec/decode', body: { payloads: [] } }),
    codecEncode: () => ({ path: '/codec/encode', body: { payloads: [] } }),
    login: () => ({ path: '/api/auth/login/', body: { username: users.customer.username, password: 'correct horse battery' } }),
    register: () => ({ path: '/api/auth/register/', body: { username: `matrix-${randomUUID().slice(0, 8)}`, password: 'long enough password' } }),
    startVerification: () => ({ path: '/api/kyc/records/start_verification/', body: SAMPLE_APPLICATION }),
    retryVerification: () => ({ path: `/api/kyc/records/${recordId}/retry/` }),
    getRecordStatus: () => ({ path: `/api/kyc/records/${recordId}/status/` }),
    getRecordEvents: () => ({ path: `/api/kyc/records/${recordId}/events/` }),
    getSummary: () => ({ path: '/api/kyc/summary/' }),
    createApplication: () => ({ path: '/v1/kyc/applications', body: SAMPLE_APPLICATION }),
    listApplications: () => ({ path: '/v1/kyc/applications?limit=5' }),
    getApplication: () => ({ path: `/v1/kyc/applications/${recordId}` }),
    updateApplication: () => ({ path: `/v1/kyc/applications/${recordId}`, body: { city: 'Francistown' } }),
    submitVerification: () => ({ path: '/api/verifications/', body: SAMPLE_APPLICATION }),
    getVerification: () => ({ path: `/api/verifications/${recordId}/` }),
    retryPassportVerification: () => ({ path: `/api/verifications/${recordId}/retry/` }),
    health: () => ({ path: '/api/v1/health' }),
    ready: () => ({ path: '/api/v1/ready' }),
    listSecurityEvents: () => ({ path: '/api/admin/security-events/' }),
    uploadRecordDocument: () => ({ path: `/api/kyc/records/${recordId}/documents/`, form: fileForm({ kind: 'back' }, { field: 'file', bytes: image, type: 'image/png' }) }),
    listRecordDocuments: () => ({ path: `/api/kyc/records/${recordId}/documents/` }),
    uploadApplicationFile: () => ({ path: '/v1/kyc/files', form: fileForm({ kind: 'front' }, { field: 'file', bytes: image, type: 'image/png' }) }),
    verifyDocument: () => ({ path: '/api/v1/verify', form: fileForm({ full_name: 'Ann Example', dob: '1990-01-01', nationality: 'SE', id_number: 'AB1234567' }, { field: 'id_image', bytes: image, type: 'image/png' }) }),
    reviewCaseDocuments: () => ({ path: `/api/review/cases/${recordId}/documents/` }),
    createServiceAccount: () => ({ path: '/api/admin/service-accounts', body: { username: `matrix-${randomUUID().slice(0, 8)}`, reason: 'the authorisation matrix' } }),
    openApiDocument: () => ({ path: '/openapi.json' }),
    requestErasure: () => ({ path: '/api/privacy/erasure-requests', body: { user_id: erasable.id } }),
    exportSubjectData: () => ({ path: '/api/privacy/export' }),
    screeningSearch: () => ({ path: '/api/screening/search', body: { name: 'John Smith', date_of_birth: '1990', country: 'BW' } }),
    resolveScreeningHit: () => ({ path: `/api/review/cases/${recordId}/screening-hits/${randomUUID()}/resolution/`, body: { resolution: 'false_positive', reason: 'not this person' } }),
  };

  const postForm = async (path: string, form: FormData, token: string | undefined) => {
    const response = await fetch(`${system.apiUrl}${path}`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
  };

  const defaultSample = (operation: Operation): Sample => ({ path: operation.path.replace(/\{[^}]+\}/g, () => randomUUID()) });

  const call = (operation: Operation, caller: Caller | TestUser) => {
    const sample = samples[operation.operationId]?.() ?? defaultSample(operation);
    const token = caller === 'anonymous' ? undefined : typeof caller === 'string' ? users[caller].token : caller.token;
    if (sample.form) return postForm(sample.path, sample.form, token);
    return api(system, operation.method.toUpperCase(), sample.path, { token, body: sample.body, headers: sample.headers });
  };

  before(async () => {
    system = await startTestSystem({ KYC_CODEC_ENCODE: 'true' }); // every operation there is, /codec/encode included (off outside development)
    for (const role of ['customer', 'reviewer', 'senior_reviewer', 'admin', 'auditor'] as const) users[role] = await createUser(system, role);
    // An integrating system: its API key is its bearer token.
    const service = await api(system, 'POST', '/api/admin/service-accounts', { token: users.admin.token, body: { username: `matrix-service-${randomUUID().slice(0, 8)}`, reason: 'the authorisation matrix' } });
    assert.equal(service.status, 201, service.text);
    users.service = { id: service.json.id as string, username: service.json.username as string, token: service.json.api_key as string };
    image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#8899aa' } }).png().toBuffer();
    otherCustomer = await createUser(system, 'customer');
    erasable = await createUser(system, 'customer');
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: users.customer.token, body: SAMPLE_APPLICATION });
    assert.equal(started.status, 201, started.text);
    recordId = started.json.id as string;

    const document = await api(system, 'GET', '/openapi.json');
    const paths = document.json.paths as Record<string, Record<string, { operationId: string; 'x-roles'?: string[] }>>;
    operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ operationId: op.operationId, method, path, roles: op['x-roles'] ?? null })),
    );
  });
  after(async () => {
    await system?.stop();
  });

  test('when the document lists its operations, then the ones sampled here are all among them', () => {
    assert.ok(operations.length >= 20, `only ${operations.length} operations documented`);
    const documented = new Set(operations.map((o) => o.operationId));
    assert.deepEqual(Object.keys(samples).filter((id) => !documented.has(id)), [], 'a sample for an operation that no longer exists');
  });

  test('when each operation is called by each role, then the admitted roles pass the guard, others get 403 and no token gets 401', async () => {
    const mismatches: string[] = [];
    for (const operation of operations) {
      for (const caller of CALLERS) {
        const response = await call(operation, caller);
        const label = `${operation.method.toUpperCase()} ${operation.path} as ${caller}: ${response.status} ${response.text.slice(0, 200)}`;
        if (operation.roles === null) {
          if (response.status === 401 || response.status === 403 || response.status >= 500) mismatches.push(`public operation refused: ${label}`);
        } else if (caller === 'anonymous') {
          if (response.status !== 401) mismatches.push(`expected 401: ${label}`);
        } else if (operation.roles.includes(caller)) {
          if (response.status === 401 || response.status === 403 || response.status >= 500) mismatches.push(`admitted role refused: ${label}`);
        } else if (response.status !== 403 || !response.contentType.startsWith('application/problem+json')) {
          mismatches.push(`expected a 403 problem: ${label}`);
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test("when a customer asks for another customer's record through any API, then the answer is 404, as if it did not exist", async () => {
    const recordOperations = operations.filter((o) => o.path.includes('{id}') && o.roles?.includes('customer'));
    assert.ok(recordOperations.length >= 7, recordOperations.map((o) => o.operationId).join(', '));
    for (const operation of recordOperations) {
      const response = await call(operation, otherCustomer);
      assert.equal(response.status, 404, `${operation.operationId}: ${response.text}`);
      assert.equal(response.json.type, '/problems/not-found');
    }
    const list = await api(system, 'GET', '/v1/kyc/applications', { token: otherCustomer.token });
    assert.deepEqual(list.json.items, []);
  });

  test('when the auditor calls any operation that changes state, then it is refused with 403', async () => {
    const writes = operations.filter((o) => o.method !== 'get' && o.roles !== null && !READS_BY_POST.has(o.operationId));
    assert.ok(writes.length >= 7, writes.map((o) => o.operationId).join(', '));
    for (const operation of writes) {
      assert.ok(!operation.roles!.includes('auditor'), `${operation.operationId} admits the auditor`);
      const response = await call(operation, 'auditor');
      assert.equal(response.status, 403, `${operation.operationId}: ${response.text}`);
    }
  });

  test('when staff read a customer record through every API, then they see it, and the auditor sees everything the admin sees', async () => {
    for (const role of ['reviewer', 'senior_reviewer', 'admin', 'auditor'] as const) {
      for (const path of [`/api/kyc/records/${recordId}/status/`, `/api/kyc/records/${recordId}/events/`, `/v1/kyc/applications/${recordId}`, `/api/verifications/${recordId}/`]) {
        const response = await api(system, 'GET', path, { token: users[role].token });
        assert.equal(response.status, 200, `${role} ${path}: ${response.text}`);
      }
      const list = await api(system, 'GET', '/v1/kyc/applications?limit=100', { token: users[role].token });
      assert.ok((list.json.items as { id: string }[]).some((item) => item.id === recordId), `${role} does not list the record`);
    }
  });

  test('when a refused call is answered, then it is RFC 7807 problem details without internals', async () => {
    const refused = await api(system, 'GET', '/api/admin/security-events/', { token: users.reviewer.token });
    assert.equal(refused.status, 403);
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.deepEqual(Object.keys(refused.json).sort(), ['detail', 'instance', 'status', 'title', 'type']);
    assert.doesNotMatch(refused.text, /at \w+ \(|node_modules|\.ts:\d+/);
  });
});
