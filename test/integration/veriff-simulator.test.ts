// needs: fonts
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { classifyWebhook, dedupeKeyOf, type CreateSessionRequest, type DecisionWebhook, type EventWebhook } from '../../vendors/veriff/contract';
import { VeriffApiError, VeriffClient } from '../../vendors/veriff/client';
import { signPayload, verifySignature } from '../../vendors/veriff/signature';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { type DeliveryRecord } from '../../simulator/store';

const API_KEY = 'test-api-key';
const API_SECRET = 'test-api-secret';
const WEBHOOK_SECRET = 'test-webhook-secret';
const AUTO_DECIDE_MS = 30;

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface ReceivedWebhook {
  rawBody: string;
  signatureValid: boolean;
  vrfSignatureValid: boolean;
  authClient: string | undefined;
  answeredWith: number;
  json: unknown;
}

interface Receiver extends Listening {
  received: ReceivedWebhook[];
  /** Answer this many of the next webhooks with 500. */
  failNext: number;
  forSession(sessionId: string): ReceivedWebhook[];
}

function sessionIdOf(json: unknown): string | undefined {
  const classified = classifyWebhook(json);
  if (classified.kind === 'decision') return classified.payload.verification.id;
  if (classified.kind === 'event') return classified.payload.id;
  return undefined;
}

async function startReceiver(): Promise<Receiver> {
  const app = express();
  const received: ReceivedWebhook[] = [];
  const state = { failNext: 0 };
  app.post('/webhooks/veriff', express.raw({ type: () => true }), (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const answeredWith = state.failNext > 0 ? 500 : 200;
    if (state.failNext > 0) state.failNext -= 1;
    received.push({
      rawBody: raw.toString('utf8'),
      signatureValid: verifySignature(raw, req.get('x-hmac-signature'), WEBHOOK_SECRET),
      vrfSignatureValid: verifySignature(raw, req.get('vrf-hmac-signature'), WEBHOOK_SECRET),
      authClient: req.get('x-auth-client'),
      answeredWith,
      json: JSON.parse(raw.toString('utf8')) as unknown,
    });
    res.status(answeredWith).end();
  });
  const listening = await listen(app);
  return {
    ...listening,
    received,
    get failNext() {
      return state.failNext;
    },
    set failNext(value: number) {
      state.failNext = value;
    },
    forSession: (sessionId) => received.filter((webhook) => sessionIdOf(webhook.json) === sessionId),
  };
}

/** Polls instead of sleeping a fixed time; fails with `what` if the condition never holds. */
async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function expectApiError(promise: Promise<unknown>, expected: Partial<Pick<VeriffApiError, 'httpStatus' | 'code' | 'retryable'>>): Promise<VeriffApiError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof VeriffApiError, `expected a VeriffApiError, got ${String(caught)}`);
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(caught[key as keyof typeof expected], value, `${key} of "${caught.message}"`);
  }
  return caught;
}

function sessionRequest(firstName = 'John', overrides: Partial<CreateSessionRequest['verification']> = {}): CreateSessionRequest {
  return {
    verification: {
      callback: 'https://app.example/kyc/done',
      person: { firstName, lastName: 'Smith', idNumber: '38001085718', dateOfBirth: '1980-01-08' },
      document: { number: 'B01234567', type: 'PASSPORT', country: 'EE' },
      vendorData: `case-${Math.random().toString(36).slice(2)}`,
      endUserId: '1b0d4a4e-3c7a-4d8e-9a43-5f8c2f0f6b3a',
      ...overrides,
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Simulator against the real client
// ------------------------------------------------------------------------------------------------

describe('Veriff simulator driven by VeriffClient', () => {
  let receiver: Receiver;
  let sim: RunningSimulator;
  let client: VeriffClient;

  before(async () => {
    receiver = await startReceiver();
    sim = await startSimulator({
      port: 0,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: `${receiver.url}/webhooks/veriff`,
      autoDecideDelayMs: AUTO_DECIDE_MS,
      deliveryRetryDelaysMs: [20, 20],
    });
    client = new VeriffClient({ baseUrl: sim.url, apiKey: API_KEY, apiSecret: API_SECRET, timeoutMs: 2000 });
  });

  after(async () => {
    await sim.close();
    await receiver.close();
  });

  async function rawCall(method: string, path: string, options: { body?: string; signWith?: string; auth?: boolean } = {}): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (options.auth !== false) headers['X-AUTH-CLIENT'] = API_KEY;
    if (options.signWith !== undefined) headers['X-HMAC-SIGNATURE'] = signPayload(options.signWith, API_SECRET);
    const response = await fetch(`${sim.url}${path}`, { method, headers, body: options.body });
    return { status: response.status, json: (await response.json()) as unknown };
  }

  test('POST /v1/sessions answers 201 with the documented shape', async () => {
    const body = JSON.stringify(sessionRequest());
    const { status, json } = await rawCall('POST', '/v1/sessions', { body, signWith: body });
    assert.equal(status, 201);
    const { status: outcome, verification } = json as { status: unknown; verification: Record<string, unknown> };
    assert.equal(outcome, 'success');
    assert.match(String(verification.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(verification.status, 'created');
    assert.equal(verification.host, sim.url);
    assert.equal(verification.url, `${sim.url}/v/${String(verification.sessionToken)}`);
    assert.match(String(verification.sessionToken), /^[\w-]+\.[\w-]+\.[\w-]+$/);

    const created = await client.createSession(sessionRequest('Jane', { vendorData: 'vendor-42' }));
    assert.equal(created.vendorData, 'vendor-42');
    assert.equal(created.status, 'created');
    assert.ok(created.url.startsWith(`${sim.url}/v/`));
    assert.equal(created.host, sim.url);
  });

  test('authentication failures: missing X-AUTH-CLIENT is 1801, an unknown key 1803', async () => {
    const missing = await rawCall('POST', '/v1/sessions', { body: JSON.stringify(sessionRequest()), auth: false });
    assert.equal(missing.status, 401);
    assert.deepEqual({ ...(missing.json as object), message: undefined }, { status: 'fail', code: 1801, message: undefined });

    const stranger = new VeriffClient({ baseUrl: sim.url, apiKey: 'someone-else', apiSecret: API_SECRET });
    await expectApiError(stranger.createSession(sessionRequest()), { httpStatus: 401, code: 1803, retryable: false });
  });

  test('a signature over a different body is 1819; a non-hex one 1812', async () => {
    const wrongSecret = new VeriffClient({ baseUrl: sim.url, apiKey: API_KEY, apiSecret: 'not-the-secret' });
    const error = await expectApiError(wrongSecret.createSession(sessionRequest('Jane')), { httpStatus: 401, code: 1819, retryable: false });
    // Error messages travel to logs; the request body holds PII.
    assert.doesNotMatch(error.message, /Jane|Smith|38001085718/);

    const response = await fetch(`${sim.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'X-AUTH-CLIENT': API_KEY, 'X-HMAC-SIGNATURE': 'xyz', 'Content-Type': 'application/json' },
      body: JSON.stringify(sessionRequest()),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { code: number }).code, 1812);
  });

  test('a body without verification is 1102; an invalid document type 1104', async () => {
    const missing = await rawCall('POST', '/v1/sessions', { body: '{}', signWith: '{}' });
    assert.equal(missing.status, 400);
    assert.equal((missing.json as { code: number }).code, 1102);

    const invalidBody = JSON.stringify({ verification: { document: { type: 'LIBRARY_CARD' } } });
    const invalid = await rawCall('POST', '/v1/sessions', { body: invalidBody });
    assert.equal(invalid.status, 400);
    assert.equal((invalid.json as { code: number }).code, 1104);

    // The client refuses to send what Veriff would reject, without a round trip.
    const bad = { verification: { document: { type: 'LIBRARY_CARD' } } } as unknown as CreateSessionRequest;
    await expectApiError(client.createSession(bad), { httpStatus: undefined, retryable: false });
  });

  test('GET decision is signed over the id (1818 on mismatch) and 404s for unknown sessions', async () => {
    const created = await client.createSession(sessionRequest());
    const wrongSecret = new VeriffClient({ baseUrl: sim.url, apiKey: API_KEY, apiSecret: 'not-the-secret' });
    await expectApiError(wrongSecret.getDecision(created.id), { httpStatus: 401, code: 1818, retryable: false });

    // Signed over a different id than the one in the path.
    const other = await client.createSession(sessionRequest());
    const crossed = await rawCall('GET', `/v1/sessions/${created.id}/decision`, { signWith: other.id });
    assert.equal(crossed.status, 401);
    assert.equal((crossed.json as { code: number }).code, 1818);

    await expectApiError(client.getDecision('00000000-0000-4000-8000-000000000000'), { httpStatus: 404, retryable: false });
  });

  test('PATCH submits once; the second time is 409 code 1304; an unknown status is 1303', async () => {
    const created = await client.createSession(sessionRequest());
    const badStatus = JSON.stringify({ verification: { status: 'approved' } });
    const rejected = await rawCall('PATCH', `/v1/sessions/${created.id}`, { body: badStatus, signWith: badStatus });
    assert.equal(rejected.status, 400);
    assert.equal((rejected.json as { code: number }).code, 1303);

    const submitted = await client.submitSession(created.id);
    assert.equal(submitted.status, 'submitted');
    await expectApiError(client.submitSession(created.id), { httpStatus: 409, code: 1304, retryable: false });

    const events = await eventually('the submitted event', () => {
      const found = receiver.forSession(created.id);
      return found.length > 0 ? found : undefined;
    });
    assert.equal((events[0]?.json as EventWebhook).action, 'submitted');
  });

  test('media can be added and read until the session is submitted, then 409', async () => {
    const created = await client.createSession(sessionRequest());
    const pixel = Buffer.from('89504e470d0a1a0a', 'hex');
    const upload = JSON.stringify({ image: { context: 'document-front', content: `data:image/png;base64,${pixel.toString('base64')}` } });
    const uploaded = await rawCall('POST', `/v1/sessions/${created.id}/media`, { body: upload, signWith: upload });
    assert.equal(uploaded.status, 200);
    const image = (uploaded.json as { image: { id: string; context: string; mimetype: string } }).image;
    assert.equal(image.context, 'document-front');
    assert.equal(image.mimetype, 'image/png');

    const list = await rawCall('GET', `/v1/sessions/${created.id}/media`, { signWith: created.id });
    assert.deepEqual((list.json as { images: Array<{ id: string }> }).images.map((i) => i.id), [image.id]);

    const bytes = await fetch(`${sim.url}/v1/media/${image.id}`, {
      headers: { 'X-AUTH-CLIENT': API_KEY, 'X-HMAC-SIGNATURE': signPayload(image.id, API_SECRET) },
    });
    assert.equal(bytes.status, 200);
    assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), pixel);

    await client.submitSession(created.id);
    const late = await rawCall('POST', `/v1/sessions/${created.id}/media`, { body: upload, signWith: upload });
    assert.equal(late.status, 409);
    assert.equal((late.json as { status: string }).status, 'fail');
  });

  test('control decision: started, submitted, then decision webhooks, signed, in order; GET decision follows', async () => {
    const request = sessionRequest();
    const created = await client.createSession(request);
    assert.equal(await client.getDecision(created.id), null);

    const response = await fetch(`${sim.url}/control/sessions/${created.id}/decision`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'declined', reasonCode: 103, riskLabels: [{ label: 'face_mismatch', category: 'person', sessionIds: [] }] }),
    });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as { decision: DecisionWebhook; deliveries: DeliveryRecord[] };
    assert.deepEqual(answer.deliveries.map((d) => [d.kind, d.attempt, d.httpStatus]), [
      ['event', 1, 200],
      ['event', 1, 200],
      ['decision', 1, 200],
    ]);

    const webhooks = receiver.forSession(created.id);
    assert.equal(webhooks.length, 3);
    for (const webhook of webhooks) {
      assert.ok(webhook.signatureValid, 'X-HMAC-SIGNATURE verifies over the raw body');
      assert.ok(webhook.vrfSignatureValid, 'vrf-hmac-signature verifies too');
      assert.equal(webhook.authClient, API_KEY);
    }
    const classified = webhooks.map((w) => classifyWebhook(w.json));
    assert.deepEqual(
      classified.map((c) => (c.kind === 'event' ? c.payload.action : c.kind === 'decision' ? c.payload.verification.status : c.reason)),
      ['started', 'submitted', 'declined'],
    );
    const keys = classified.map((c) => (c.kind === 'unknown' ? c.reason : dedupeKeyOf(c)));
    assert.equal(new Set(keys).size, 3);

    const last = classified[2];
    assert.ok(last?.kind === 'decision');
    const v = last.payload.verification;
    assert.equal(v.code, 9102);
    assert.equal(v.reasonCode, 103);
    assert.equal(v.reason, 'face does not match the document photo');
    assert.equal(v.vendorData, request.verification.vendorData);
    assert.equal(v.endUserId, request.verification.endUserId);
    assert.deepEqual(v.person, { firstName: 'John', lastName: 'Smith', idNumber: '38001085718', dateOfBirth: '1980-01-08', nationality: 'EE', gender: null });
    assert.equal(v.document?.number, 'B01234567');
    assert.deepEqual(v.riskLabels?.map((l) => l.label), ['face_mismatch']);
    assert.deepEqual(v.additionalVerifiedData, {});
    assert.deepEqual(v.comments, []);
    assert.ok(last.payload.technicalData?.ip);

    const decision = await client.getDecision(created.id);
    assert.equal(decision?.status, 'declined');
    assert.equal(decision?.attemptId, v.attemptId);

    const attempts = await client.listAttempts(created.id);
    assert.deepEqual(attempts.map((a) => [a.id, a.status]), [[v.attemptId, 'declined']]);

    const person = await client.getPerson(created.id);
    assert.equal(person.firstName, 'John');
    assert.deepEqual(person.pepSanctionMatches, []);

    const deliveries = (await (await fetch(`${sim.url}/control/deliveries?sessionId=${created.id}`)).json()) as { deliveries: DeliveryRecord[] };
    assert.deepEqual(deliveries.deliveries.map((d) => [d.kind, d.attempt, d.httpStatus, d.url]), [
      ['event', 1, 200, `${receiver.url}/webhooks/veriff`],
      ['event', 1, 200, `${receiver.url}/webhooks/veriff`],
      ['decision', 1, 200, `${receiver.url}/webhooks/veriff`],
    ]);
  });

  test('control session view and explicit events', async () => {
    const created = await client.createSession(sessionRequest());
    const event = await fetch(`${sim.url}/control/sessions/${created.id}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'started' }),
    });
    assert.equal(event.status, 200);
    const view = (await (await fetch(`${sim.url}/control/sessions/${created.id}`)).json()) as {
      session: { status: string; request: CreateSessionRequest['verification']; attempts: Array<{ status: string }> };
    };
    assert.equal(view.session.status, 'started');
    assert.equal(view.session.request.person?.idNumber, '38001085718');
    assert.deepEqual(view.session.attempts.map((a) => a.status), ['started']);

    const invalid = await fetch(`${sim.url}/control/sessions/${created.id}/decision`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'approved', reasonCode: 102 }),
    });
    assert.equal(invalid.status, 400);
  });

  test('a resubmission moves the next decision to a fresh attempt, listed newest first', async () => {
    const created = await client.createSession(sessionRequest());
    const decide = (status: string) =>
      fetch(`${sim.url}/control/sessions/${created.id}/decision`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ status, withEvents: false }),
      });
    await decide('resubmission_requested');
    await decide('approved');
    const attempts = await client.listAttempts(created.id);
    assert.deepEqual(attempts.map((a) => a.status), ['approved', 'resubmission_requested']);
    assert.notEqual(attempts[0]?.id, attempts[1]?.id);
  });

  test('magic first names decide themselves after autoDecideDelayMs', async () => {
    const cases = [
      { firstName: 'Approve', status: 'approved', code: 9001, reasonCode: null },
      { firstName: 'Decline', status: 'declined', code: 9102, reasonCode: 102 },
      { firstName: 'Resubmit', status: 'resubmission_requested', code: 9103, reasonCode: 204 },
    ];
    const sessions = await Promise.all(cases.map((c) => client.createSession(sessionRequest(c.firstName))));
    for (const [index, expected] of cases.entries()) {
      const sessionId = sessions[index]?.id ?? '';
      const webhooks = await eventually(`the ${expected.status} decision`, () => {
        const found = receiver.forSession(sessionId);
        return found.length >= 3 ? found : undefined;
      });
      const kinds = webhooks.map((w) => classifyWebhook(w.json)).map((c) => (c.kind === 'event' ? c.payload.action : c.kind));
      assert.deepEqual(kinds, ['started', 'submitted', 'decision']);
      assert.ok(webhooks.every((w) => w.signatureValid));
      const decision = (webhooks[2]?.json as DecisionWebhook).verification;
      assert.equal(decision.status, expected.status);
      assert.equal(decision.code, expected.code);
      assert.equal(decision.reasonCode, expected.reasonCode);
      assert.equal((await client.getDecision(sessionId))?.status, expected.status);
    }

    // Ordinary names wait for a person or a test.
    const ordinary = await client.createSession(sessionRequest('Maria'));
    await sleep(AUTO_DECIDE_MS * 3);
    assert.equal(await client.getDecision(ordinary.id), null);
    assert.equal(receiver.forSession(ordinary.id).length, 0);
  });

  test('a delivery answered with 500 is retried with the same signed bytes', async () => {
    const created = await client.createSession(sessionRequest());
    receiver.failNext = 1;
    const response = await fetch(`${sim.url}/control/sessions/${created.id}/decision`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'approved', withEvents: false }),
    });
    const answer = (await response.json()) as { deliveries: DeliveryRecord[] };
    assert.equal(answer.deliveries[0]?.httpStatus, 500);

    const webhooks = await eventually('the retried decision', () => {
      const found = receiver.forSession(created.id);
      return found.length >= 2 ? found : undefined;
    });
    assert.deepEqual(webhooks.map((w) => w.answeredWith), [500, 200]);
    assert.equal(webhooks[0]?.rawBody, webhooks[1]?.rawBody);
    assert.ok(webhooks.every((w) => w.signatureValid));

    const log = (await (await fetch(`${sim.url}/control/deliveries?sessionId=${created.id}`)).json()) as { deliveries: DeliveryRecord[] };
    assert.deepEqual(log.deliveries.map((d) => [d.attempt, d.httpStatus]), [[1, 500], [2, 200]]);
    assert.equal(new Set(log.deliveries.map((d) => d.deliveryId)).size, 1);
    // Success ends the schedule: no third attempt although one more retry was configured.
    await sleep(60);
    assert.equal(receiver.forSession(created.id).length, 2);
  });

  test('the hosted page escapes what it renders and redirects to the callback after deciding', async () => {
    const created = await client.createSession(sessionRequest('<img src=x onerror=alert(1)>'));
    const page = await fetch(created.url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(!html.includes('<img src=x'), 'applicant name is escaped');
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
    for (const status of ['approved', 'declined', 'resubmission_requested']) assert.ok(html.includes(`value="${status}"`));

    const posted = await fetch(created.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'status=approved',
      redirect: 'manual',
    });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), 'https://app.example/kyc/done');
    assert.equal((await client.getDecision(created.id))?.status, 'approved');
    assert.equal(receiver.forSession(created.id).length, 3);
  });

  test('a decided session shows its applicant document: drawn ahead when prepared, on demand otherwise, the same in every session', async () => {
    type Counts = { drawn: number; prepared: number; counts: { drawn: number; prepared: number } };
    const control = async (method: string, body?: unknown): Promise<{ status: number; json: Counts }> => {
      const response = await fetch(`${sim.url}/control/specimens`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, json: (await response.json()) as Counts };
    };
    const imageOf = async (request: CreateSessionRequest): Promise<Buffer> => {
      const created = await client.createSession(request);
      const decided = await fetch(`${sim.url}/control/sessions/${created.id}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'approved', withEvents: false, deliver: false }) });
      assert.equal(decided.status, 200);
      const [image] = await client.listMedia(created.id);
      assert.ok(image, 'a decided session has an image');
      return (await client.downloadMedia(image.id, 10_000_000)).bytes;
    };

    const refused = await control('POST', { applicants: [{ document: { type: 'PASSPORT', country: 'Estonia' } }] });
    assert.equal(refused.status, 400);
    const before = (await control('GET')).json.counts;

    const prepared = sessionRequest('Prepared');
    const drawnAhead = await control('POST', { applicants: [{ person: prepared.verification.person, document: prepared.verification.document }] });
    assert.equal(drawnAhead.status, 200);
    assert.equal(drawnAhead.json.drawn, 1);
    const first = await imageOf(prepared);
    const again = await imageOf({ verification: { ...prepared.verification, vendorData: 'another-session' } });
    assert.deepEqual(again, first, 'the same document in every session');
    assert.deepEqual((await control('GET')).json.counts, { drawn: before.drawn, prepared: before.prepared + 2 });

    const other = await imageOf(sessionRequest('Unprepared'));
    assert.notDeepEqual(other, first);
    assert.deepEqual((await control('GET')).json.counts, { drawn: before.drawn + 1, prepared: before.prepared + 2 });
  });

  test('DELETE removes the session', async () => {
    const created = await client.createSession(sessionRequest());
    await client.deleteSession(created.id);
    await expectApiError(client.getDecision(created.id), { httpStatus: 404, retryable: false });
  });
});

// ------------------------------------------------------------------------------------------------
// Client error classification against misbehaving servers
// ------------------------------------------------------------------------------------------------

describe('VeriffClient error classification', () => {
  const servers: Listening[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function serve(handler: express.RequestHandler): Promise<string> {
    const app = express();
    app.use(handler);
    const server = await listen(app);
    servers.push(server);
    return server.url;
  }

  function clientFor(baseUrl: string, timeoutMs = 2000): VeriffClient {
    return new VeriffClient({ baseUrl, apiKey: API_KEY, apiSecret: API_SECRET, timeoutMs });
  }

  test('5xx is retryable', async () => {
    const url = await serve((_req, res) => {
      res.status(503).json({ status: 'fail', code: 1001, message: 'maintenance' });
    });
    const error = await expectApiError(clientFor(url).getDecision('abc'), { httpStatus: 503, code: 1001, retryable: true });
    assert.equal(error.veriffMessage, 'maintenance');
  });

  test('429 is retryable', async () => {
    const url = await serve((_req, res) => {
      res.status(429).send('slow down');
    });
    await expectApiError(clientFor(url).deleteSession('abc'), { httpStatus: 429, code: undefined, retryable: true });
  });

  test('400 is not retryable, and the request body never reaches the message', async () => {
    const url = await serve((req, res) => {
      // A server that echoes what it got: its text must stay out of error.message.
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.status(400).json({ status: 'fail', code: 1104, message: `bad: ${body}` }));
    });
    const error = await expectApiError(clientFor(url).createSession(sessionRequest('Jane')), { httpStatus: 400, code: 1104, retryable: false });
    assert.doesNotMatch(error.message, /Jane|Smith|38001085718|B01234567/);
  });

  test('a timeout is retryable and has no HTTP status', async () => {
    const url = await serve(() => {
      // Never answers; the server's close() tears the socket down.
    });
    const started = Date.now();
    const error = await expectApiError(clientFor(url, 100).getDecision('abc'), { httpStatus: undefined, retryable: true });
    assert.match(error.message, /timed out after 100 ms/);
    assert.ok(Date.now() - started < 1500);
  });

  test('a refused connection is retryable', async () => {
    const closed = await listen(() => undefined);
    await closed.close();
    await expectApiError(clientFor(closed.url).getDecision('abc'), { httpStatus: undefined, retryable: true });
  });

  test('an unexpected 2xx shape is not retryable', async () => {
    const url = await serve((_req, res) => {
      res.json({ status: 'success', verification: { status: 'approved' } });
    });
    await expectApiError(clientFor(url).getDecision('abc'), { httpStatus: 200, retryable: false });
    const html = await serve((_req, res) => {
      res.type('html').send('<html>maintenance</html>');
    });
    await expectApiError(clientFor(html).createSession(sessionRequest()), { httpStatus: 200, retryable: false });
  });

  test('requests are signed as the contract says and the body is sent exactly as signed', async () => {
    const seen: Array<{ method: string; signature: string | undefined; body: string; path: string }> = [];
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, signature: req.get('x-hmac-signature'), body, path: req.path });
        res.json({ status: 'success', verification: { id: 'sess-1', status: 'submitted' } });
      });
    });
    await clientFor(url).submitSession('sess-1');
    const patch = seen[0];
    assert.ok(patch);
    assert.equal(patch.path, '/v1/sessions/sess-1');
    assert.equal(patch.body, '{"verification":{"status":"submitted"}}');
    assert.ok(verifySignature(patch.body, patch.signature, API_SECRET));
  });
});

// ------------------------------------------------------------------------------------------------
// Lifecycle
// ------------------------------------------------------------------------------------------------

describe('simulator lifecycle', () => {
  test('close() cancels pending retries, in-flight deliveries and auto decisions', async () => {
    let hits = 0;
    // Answers the first webhook with 500 (so a retry follows) and leaves every later one hanging.
    const hanging = await listen((_req, res) => {
      hits += 1;
      if (hits === 1) res.writeHead(500).end();
    });
    const sim = await startSimulator({
      port: 0,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      webhookUrl: hanging.url,
      autoDecideDelayMs: 60_000,
      deliveryRetryDelaysMs: [0, 60_000],
    });
    try {
      const client = new VeriffClient({ baseUrl: sim.url, apiKey: API_KEY, apiSecret: API_SECRET });
      // An auto decision a minute away.
      await client.createSession(sessionRequest('Approve'));
      // The submitted event fails once; its immediate retry then hangs in flight.
      const created = await client.createSession(sessionRequest());
      await client.submitSession(created.id);
      await eventually('the retry to be in flight', () => (hits >= 2 ? true : undefined));

      const started = Date.now();
      await sim.close();
      assert.ok(Date.now() - started < 1000, 'close() does not wait for timers or hung receivers');
      // The hung attempt was abandoned, not recorded, and nothing else was attempted.
      assert.deepEqual(sim.store.deliveries.map((d) => [d.attempt, d.httpStatus]), [[1, 500]]);
      assert.equal(hits, 2);
    } finally {
      await sim.close();
      await hanging.close();
    }
  });
});

describe('the fault profile (a vendor on a bad day, for chaos runs)', () => {
  test('when failures, copies, shuffling and losses are set, then creations fail in their share, each webhook goes out three times and the lost decision is only served on request', async () => {
    const receiver = await startReceiver();
    const sim = await startSimulator({ port: 0, apiKey: API_KEY, apiSecret: API_SECRET, webhookSecret: WEBHOOK_SECRET, webhookUrl: `${receiver.url}/webhooks/veriff`, autoDecideDelayMs: null });
    try {
      const control = (method: string, path: string, body?: unknown) =>
        fetch(`${sim.url}/control${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      const refused = await control('PUT', '/fault-profile', { webhookCopies: 0 });
      assert.equal(refused.status, 400);
      const set = await control('PUT', '/fault-profile', { createSessionFailureRatio: 0.5, webhookCopies: 3, shuffleWebhooks: true, decisionLossRatio: 0.5 });
      assert.equal(set.status, 200);

      const client = new VeriffClient({ baseUrl: sim.url, apiKey: API_KEY, apiSecret: API_SECRET, timeoutMs: 2000 });
      // Half of the creations fail, spread evenly: the first succeeds, the second answers 503.
      const first = await client.createSession(sessionRequest());
      await assert.rejects(client.createSession(sessionRequest()), (err: unknown) => err instanceof VeriffApiError && err.httpStatus === 503);
      const second = await client.createSession(sessionRequest());

      // Half of the decisions are lost, spread evenly: the first goes out, the second does not.
      await control('POST', `/sessions/${first.id}/decision`, { status: 'approved' });
      await control('POST', `/sessions/${second.id}/decision`, { status: 'declined' });
      const kinds = (sessionId: string) => receiver.forSession(sessionId).map((w) => (classifyWebhook(w.json).kind === 'decision' ? 'decision' : (w.json as { action: string }).action)).sort();
      assert.deepEqual(kinds(first.id), ['decision', 'decision', 'decision', 'started', 'started', 'started', 'submitted', 'submitted', 'submitted']);
      assert.deepEqual(kinds(second.id), ['started', 'started', 'started', 'submitted', 'submitted', 'submitted']);
      // Every copy is the same signed fact.
      assert.equal(new Set(receiver.forSession(first.id).map((w) => w.rawBody)).size, 3);
      assert.ok(receiver.forSession(first.id).every((w) => w.signatureValid));
      // The lost decision is there for whoever asks for it.
      assert.equal((await client.getDecision(second.id))?.status, 'declined');

      const counts = (await control('GET', '/fault-profile')).json.counts as Record<string, number>;
      assert.deepEqual([counts.sessionCreations, counts.sessionCreationsFailed, counts.decisions, counts.decisionWebhooksLost], [3, 1, 2, 1]);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });
});
