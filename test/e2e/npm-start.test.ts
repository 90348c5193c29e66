// needs: temporal-cli, rabbitmq, fonts
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSpecimen } from '../../document-check/specimens';
import { consumeEvents, sharedBrokerUrl, type EventConsumer } from '../support/broker';
import { eventually, SAMPLE_APPLICATION } from '../support/system';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { freePort } from '../../infra/ports';

// The README's first command, for real: scripts/dev.ts brings up the embedded database, its own
// Temporal dev server with the UI, the Veriff simulator, the worker and the API; a customer walks
// the flow over HTTP; after a restart on the same data folder everything is still there. With a
// broker configured, the embedded relay publishes to it, and KYC_NOTIFY_URL receives webhooks.


interface Running {
  child: ChildProcess;
  output: string[];
}

async function startDev(env: NodeJS.ProcessEnv): Promise<Running> {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: path.resolve(__dirname, '../..'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  await eventually(async () => output.join(''), (text) => text.includes('KYC service is up.') || child.exitCode !== null, 120_000, 'npm start to come up');
  assert.equal(child.exitCode, null, output.join(''));
  return { child, output };
}

async function stopDev(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

describe('npm start on embedded defaults', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let uiPort: number;
  let running: Running | undefined;
  let consumer: EventConsumer;
  let notifications: WebhookReceiver;

  before(async () => {
    consumer = await consumeEvents(sharedBrokerUrl());
    notifications = await startWebhookReceiver();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kyc-npm-start-'));
    const port = await freePort();
    uiPort = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    env = { ...process.env, NODE_ENV: 'development', KYC_DATA_DIR: dataDir, PORT: String(port), PUBLIC_BASE_URL: apiUrl, FRONTEND_URL: apiUrl,
      KYC_EMBEDDED_PG_PORT: String(await freePort()), TEMPORAL_DEV_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(uiPort),
      VERIFF_SIMULATOR_PORT: String(await freePort()), VERIFF_SIMULATOR_AUTO_DECIDE_MS: '300', LOG_LEVEL: 'warn',
      KYC_EVENT_BROKER_URL: sharedBrokerUrl(), KYC_NOTIFY_URL: notifications.url };
    // Nothing external: the command must start every component itself.
    delete env.TEMPORAL_ADDRESS;
    delete env.DATABASE_URL;
    delete env.VERIFF_BASE_URL;
  });
  after(async () => {
    if (running) await stopDev(running);
    await consumer?.close();
    await notifications?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const login = async (username = 'testuser', password = 'testpass123') => {
    const response = await fetch(`${apiUrl}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access: string }).access;
  };

  let recordId = '';

  test('when it starts, then it prints the URLs, loads the bundled lists, and a demo customer walks the flow (screened) to an upgraded wallet', async () => {
    running = await startDev(env);
    const banner = running.output.join('');
    assert.match(banner, new RegExp(`API: +${apiUrl.replace(/[.]/g, '\\.')}`));
    // The development secrets are public: the API listens on loopback only, so no other machine reaches it.
    assert.match(banner, /API: .*; listening on 127\.0\.0\.1 \(this machine only\)/);
    const lan = Object.values(os.networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal);
    assert.ok(lan, 'a network interface besides loopback to try the API on');
    await assert.rejects(fetch(`http://${lan.address}:${new URL(apiUrl).port}/api/v1/health`), (err: Error) => (err.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED');
    assert.match(banner, new RegExp(`Temporal UI: +http://127\\.0\\.0\\.1:${uiPort}`));
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(ui.status, 200);
    assert.match(banner, /Metrics: +http:\/\/127\.0\.0\.1:\d+\/metrics \(API\), http:\/\/127\.0\.0\.1:\d+\/metrics \(worker\); listening on 127\.0\.0\.1 \(this machine only\)/);
    // The UI it started (on whatever port) may ask the codec to decode without a token.
    const decoded = await fetch(`${apiUrl}/codec/decode`, { method: 'POST', headers: { origin: `http://127.0.0.1:${uiPort}`, 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [] }) });
    assert.equal(decoded.status, 200, await decoded.text());

    // The bundled sanctions and PEP lists load after the banner, once; the service says when.
    assert.match(banner, /Screening: +http:\/\/127\.0\.0\.1:\d+\/review\/screening/);
    const ready = await eventually(async () => running!.output.join(''), (text) => text.includes('Screening lists ready'), 240_000, 'the bundled lists');
    assert.match(ready, /Screening lists ready: ofac-sdn, un-sc, opensanctions \(loaded ofac-sdn, un-sc, opensanctions in \d+ s\)\./);
    const reviewer = await login('reviewer', 'reviewpass123');
    const lists = (await (await fetch(`${apiUrl}/api/screening/lists`, { headers: { authorization: `Bearer ${reviewer}` } })).json()) as { sources: { source: string; in_force: { entry_count: number } | null }[] };
    assert.ok(lists.sources.every((s) => (s.in_force?.entry_count ?? 0) > 0), JSON.stringify(lists.sources));
    const listed = await fetch(`${apiUrl}/api/screening/search`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reviewer}` }, body: JSON.stringify({ name: 'Ayman al-Zawahiri' }) });
    assert.deepEqual(((await listed.json()) as { hits: { entry_id: string; match: boolean }[] }).hits.filter((h) => h.match).map((h) => h.entry_id).sort(), ['ofac-sdn:2676', 'un-sc:111923']);

    const token = await login();
    const started = await fetch(`${apiUrl}/api/kyc/records/start_verification/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...SAMPLE_APPLICATION, first_name: 'Approve' }),
    });
    const body = (await started.json()) as { id: string; session_url: string };
    assert.equal(started.status, 201, JSON.stringify(body));
    recordId = body.id;
    assert.match(body.session_url, /\/v\//);

    const status = await eventually(
      async () => (await (await fetch(`${apiUrl}/api/kyc/records/${recordId}/status/`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string },
      (s) => s.status === 'approved',
      30_000,
      'the simulator to approve the Approve applicant',
    );
    assert.equal(status.status, 'approved');
    // The wallet upgrade follows the approval.
    const summary = await eventually(
      async () => (await (await fetch(`${apiUrl}/api/kyc/summary/`, { headers: { authorization: `Bearer ${token}` } })).json()) as { wallet?: { wallet_type: string } },
      (s) => s.wallet?.wallet_type === 'verified',
      30_000,
      'the wallet upgrade',
    );
    assert.equal(summary.wallet?.wallet_type, 'verified');

    // The events went out both ways: RabbitMQ (kyc.events) and the KYC_NOTIFY_URL subscriber.
    const published = await eventually(async () => consumer.received.filter((m) => m.event.subject === recordId).map((m) => m.event.type), (types) => types.includes('KYC_VERIFIED'), 30_000, 'the events on kyc.events');
    assert.deepEqual(published.slice(0, 3), ['KYC_CREATED', 'SCREENING_CLEARED', 'KYC_VERIFIED'], 'screened (and clear) before the approval');
    await eventually(async () => notifications.received.filter((r) => r.event.subject === recordId).map((r) => r.event.type), (types) => types.includes('KYC_VERIFIED'), 30_000, 'the notification webhook');
  });

  test('when the demo reviewer sends a document image to POST /api/v1/verify, then the running system answers the contract', async () => {
    assert.ok(running, 'the first test must have run');
    const response = await fetch(`${apiUrl}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'reviewer', password: 'reviewpass123' }) });
    const token = ((await response.json()) as { access: string }).access;
    const specimen = await generateSpecimen({ kind: 'passport', seed: 51 });
    const form = new FormData();
    form.append('full_name', specimen.submission.fullName);
    form.append('dob', specimen.submission.dateOfBirth);
    form.append('nationality', specimen.submission.nationality);
    form.append('id_number', specimen.submission.idNumber);
    form.append('id_image', new Blob([new Uint8Array(specimen.image)], { type: 'image/jpeg' }), 'passport.jpg');
    const verified = await fetch(`${apiUrl}/api/v1/verify`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const body = (await verified.json()) as { status: string; verification_result: { decision: string; checks: Record<string, string> } };
    assert.equal(verified.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'success');
    assert.equal(body.verification_result.decision, 'accept');
    assert.deepEqual(Object.keys(body.verification_result.checks).sort(), ['image_integrity', 'metadata', 'ocr']);
  });

  test('when it is stopped and started again on the same data folder (told by HOST to listen on every interface), then the verification is still there', async () => {
    assert.ok(running && recordId, 'the first test must have run');
    await stopDev(running);
    running = await startDev({ ...env, HOST: '0.0.0.0' });
    assert.match(running.output.join(''), /API: .*; listening on 0\.0\.0\.0 \(reachable from the network: anyone there can sign tokens with the development secrets\)/);
    const lan = Object.values(os.networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal);
    assert.equal((await fetch(`http://${lan!.address}:${new URL(apiUrl).port}/api/v1/health`)).status, 200);
    await eventually(async () => running!.output.join(''), (text) => text.includes('Screening lists ready: ofac-sdn, un-sc, opensanctions (already loaded).'), 60_000, 'the lists found loaded');
    const token = await login();
    const response = await fetch(`${apiUrl}/api/kyc/records/${recordId}/status/`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, 'approved');
  });
});
