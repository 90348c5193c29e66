// needs: postgres, temporal-cli, temporal-server, temporal-ui, haproxy, docker-compose, openssl, fonts
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { listeningPorts, loadStackSettings, stackLayout, type StackLayout } from '../../scripts/stack/layout';
import { backendServers } from '../../scripts/stack/load-balancer';
import { dropDatabases, postgresServer } from '../../scripts/stack/postgres';
import { isRunning } from '../../scripts/stack/processes';
import { freeStackPortBase } from '../../scripts/stack/ports';
import { takenPorts } from '../../scripts/stack/readiness';
import { readState, type StackProcess } from '../../scripts/stack/state';
import { stackCertificates, stackTemporalConnection, TLS_SERVER_NAME, type ClientFiles } from '../../scripts/stack/tls';
import { KycStatusKey } from '../../workflows/search-attributes';
import { testServerUrl } from '../support/database';
import { eventually, SAMPLE_APPLICATION } from '../support/system';

// `npm run stack` for real: Temporal Server on PostgreSQL, its UI, RabbitMQ, the simulator, two
// workers, two APIs behind HAProxy and the outbox relay, all as processes on free ports with
// databases of their own. A customer is verified through the load balancer and the event reaches
// RabbitMQ, an API process is killed, the load balancer carries on and the supervisor starts it
// again, and `stop` from another terminal leaves no process behind. Temporal's gRPC ports take
// only the stack's own client certificates (mutual TLS).

const ROOT = path.resolve(__dirname, '..', '..');
const STACK = ['--import', 'tsx', 'scripts/stack/main.ts'];


function runStack(env: NodeJS.ProcessEnv, command: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [...STACK, command], { cwd: ROOT, env, encoding: 'utf8', timeout: 150_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// A request from another loopback address, so the address the API records is the client's and
// not the load balancer's (both would be 127.0.0.1 otherwise).
function requestFrom(localAddress: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method, headers: init.headers, localAddress }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

// A signal to a workflow that does not exist: NOT_FOUND shows the call got in and was handled,
// UNAVAILABLE that it never got in. No retry interceptor: a refused connection is final here.
async function signalStatus(address: string, tls: TLSConfig | undefined): Promise<string> {
  const connection = Connection.lazy({ address, tls, interceptors: [] });
  try {
    await connection.workflowService.signalWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `forged-${randomUUID()}` }, signalName: 'decide' });
    return 'OK';
  } catch (error) {
    return ({ 5: 'NOT_FOUND', 14: 'UNAVAILABLE' } as Record<number, string>)[(error as { code?: number }).code ?? -1] ?? String(error);
  } finally {
    await connection.close();
  }
}

const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

// Whether a gRPC port takes this client certificate: the server answers the HTTP/2 preface only
// once the handshake, its check of the certificate included, succeeded; otherwise it sends an alert.
async function acceptsCertificate(port: number, files: { ca: string; cert: string; key: string }): Promise<boolean> {
  const [ca, cert, key] = await Promise.all([files.ca, files.cert, files.key].map((file) => readFile(file)));
  return new Promise<boolean>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: TLS_SERVER_NAME, ca, cert, key, ALPNProtocols: ['h2'] });
    const settle = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('secureConnect', () => socket.write(HTTP2_PREFACE));
    socket.once('data', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('close', () => settle(false));
  });
}

describe('npm run stack: the production topology on one machine', () => {
  let env: NodeJS.ProcessEnv;
  let layout: StackLayout;
  let lbUrl: string;
  let supervisor: ChildProcess;
  let supervisorExit: Promise<number | null>;
  const output: string[] = [];
  let recorded: StackProcess[] = [];

  before(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kyc-stack-'));
    env = {
      ...process.env,
      KYC_STACK_DIR: dir,
      KYC_STACK_PORT_BASE: String(await freeStackPortBase()),
      KYC_STACK_DB_PREFIX: `kyc_stack_test_${randomBytes(4).toString('hex')}`,
      KYC_STACK_DATABASE_URL: testServerUrl(),
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      // The test decides through the simulator's control API.
      VERIFF_SIMULATOR_AUTO_DECIDE_MS: 'off',
    };
    layout = stackLayout(loadStackSettings(env));
    lbUrl = `http://${layout.host}:${layout.ports.loadBalancer}`;
    supervisor = spawn(process.execPath, STACK, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    supervisorExit = new Promise((resolve) => supervisor.once('exit', (code) => resolve(code)));
    supervisor.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    supervisor.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await eventually(async () => output.join(''), (text) => text.includes('KYC stack is up') || supervisor.exitCode !== null, 240_000, 'the stack to come up');
    assert.equal(supervisor.exitCode, null, output.join(''));
    recorded = readState(layout)?.processes ?? [];
  });

  after(async () => {
    if (supervisor.exitCode === null) {
      supervisor.kill('SIGTERM');
      await supervisorExit;
    }
    await dropDatabases(postgresServer(testServerUrl()), Object.values(layout.databases));
    await rm(layout.dir, { recursive: true, force: true });
  });

  test('when it is up, then it names every process and each one serves', () => {
    assert.deepEqual(recorded.map((p) => p.name), ['rabbitmq', 'temporal-server', 'temporal-ui', 'simulator', 'worker-1', 'worker-2', 'api-1', 'api-2', 'relay', 'load-balancer']);
    const banner = output.join('');
    assert.match(banner, new RegExp(`API \\(load balancer\\): +${lbUrl.replace(/\./g, '\\.')}`));
    assert.match(banner, /Temporal UI: +http:\/\/127\.0\.0\.1:\d+/);
    const status = runStack(env, 'status');
    assert.equal(status.status, 0, status.output);
    for (const { name } of recorded) assert.match(status.output, new RegExp(`${name} +\\d+ +running +serving`), status.output);
    assert.match(status.output, /load balancer rotation: api-1 UP, api-2 UP/);
  });

  test('when a second stack starts from the same folder, then it refuses and names the running one', () => {
    const second = runStack(env, 'start');
    assert.equal(second.status, 1, second.output);
    assert.match(second.output, new RegExp(`already running .*supervisor pid ${supervisor.pid}`));
  });

  test('when the demo customer is verified through the load balancer, then the verification is approved on the stack\'s Temporal Server', async () => {
    const login = await fetch(`${lbUrl}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'testuser', password: 'testpass123' }) });
    assert.equal(login.status, 200);
    const token = ((await login.json()) as { access: string }).access;
    const authorization = `Bearer ${token}`;

    // A forged X-Forwarded-For: the load balancer replaces it with the real client address.
    const started = await requestFrom('127.0.0.2', `${lbUrl}/api/kyc/records/start_verification/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization, 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify(SAMPLE_APPLICATION),
    });
    assert.equal(started.status, 201, started.body);
    const recordId = (JSON.parse(started.body) as { id: string }).id;

    const simulatorUrl = `http://${layout.host}:${layout.ports.simulator}`;
    const sessions = await eventually(
      async () => ((await (await fetch(`${simulatorUrl}/control/sessions?vendorData=${recordId}`)).json()) as { sessions: { id: string }[] }).sessions,
      (list) => list.length === 1,
      10_000,
      'the Veriff session',
    );
    const decided = await fetch(`${simulatorUrl}/control/sessions/${sessions[0]!.id}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'approved' }) });
    assert.equal(decided.status, 200);

    const status = await eventually(
      async () => (await (await fetch(`${lbUrl}/api/kyc/records/${recordId}/status/`, { headers: { authorization } })).json()) as { status: string },
      (s) => s.status === 'approved',
      30_000,
      'the approval',
    );
    assert.equal(status.status, 'approved');

    const db = new PgClient({ connectionString: postgresServer(testServerUrl()).urlOf(layout.databases.app) });
    await db.connect();
    try {
      const buckets = await db.query<{ key: string }>('SELECT key FROM rate_limit_buckets');
      assert.deepEqual(buckets.rows.map((row) => row.key), ['verification-start:127.0.0.2'], 'the API must count the client, not the load balancer or the forged header');
    } finally {
      await db.end();
    }

    // The workflow ran on the stack's own server, and its SQL visibility finds it by attribute.
    const connection = await Connection.connect(stackTemporalConnection(layout));
    try {
      const client = new Client({ connection, namespace: 'default' });
      const found = await eventually(
        async () => {
          const list = [];
          for await (const execution of client.workflow.list({ query: `KycRecordId = "${recordId}"` })) list.push(execution);
          return list;
        },
        (list) => list.length === 1 && list[0]!.status.name === 'COMPLETED',
        10_000,
        'the completed workflow in visibility',
      );
      assert.equal(found[0]!.typedSearchAttributes.get(KycStatusKey), 'approved');
    } finally {
      await connection.close();
    }

    // The UI server reaches the frontend with its own client certificate.
    const ui = await fetch(`http://${layout.host}:${layout.ports.temporalUi}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`KycRecordId = "${recordId}"`)}`);
    assert.equal(ui.status, 200, await ui.clone().text());
    const listed = (await ui.json()) as { executions?: { execution?: { workflowId?: string } }[] };
    assert.equal(listed.executions?.length, 1, JSON.stringify(listed));
  });

  test('when a client reaches the frontend without a certificate of the stack\'s client CA, then no call gets in; with the stack\'s certificate it does', async () => {
    const address = `${layout.host}:${layout.ports.temporalFrontend}`;
    const certs = stackCertificates(layout);
    const read = async (files: ClientFiles): Promise<TLSConfig> => ({ serverRootCACertificate: await readFile(files.ca), serverNameOverride: TLS_SERVER_NAME, clientCertPair: { crt: await readFile(files.cert), key: await readFile(files.key) } });
    // Certificates just like the stack's, but of CAs of their own: what someone would make.
    const foreignDir = await mkdtemp(path.join(os.tmpdir(), 'kyc-foreign-ca-'));
    try {
      const made = spawnSync('sh', [path.join(ROOT, 'scripts', 'temporal-certs.sh'), foreignDir], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const foreign = await read({ ...certs.kyc, cert: path.join(foreignDir, 'kyc', 'kyc.pem'), key: path.join(foreignDir, 'kyc', 'kyc.key') });

      assert.equal(await signalStatus(address, undefined), 'UNAVAILABLE', 'plaintext');
      assert.equal(await signalStatus(address, { serverRootCACertificate: await readFile(certs.kyc.ca), serverNameOverride: TLS_SERVER_NAME }), 'UNAVAILABLE', 'TLS without a client certificate');
      assert.equal(await signalStatus(address, foreign), 'UNAVAILABLE', 'a certificate of another CA');
      for (const files of [certs.kyc, certs.ui, certs.cli]) assert.equal(await signalStatus(address, await read(files)), 'NOT_FOUND', files.cert);

      // The frontend's HTTP API, a second door to the same calls, is behind the same check.
      assert.equal(await acceptsCertificate(layout.ports.temporalFrontendHttp, certs.kyc), true);
      assert.equal(await acceptsCertificate(layout.ports.temporalFrontendHttp, { ...certs.kyc, cert: path.join(foreignDir, 'kyc', 'kyc.pem'), key: path.join(foreignDir, 'kyc', 'kyc.key') }), false);
      // History and matching take the cluster's own certificate only: a client's stops at the frontend.
      for (const port of [layout.ports.temporalHistory, layout.ports.temporalMatching]) {
        assert.equal(await acceptsCertificate(port, certs.kyc), false, `client certificate on ${port}`);
        assert.equal(await acceptsCertificate(port, { ca: certs.serverCa, ...certs.internode }), true, `internode certificate on ${port}`);
      }
    } finally {
      await rm(foreignDir, { recursive: true, force: true });
    }
  });

  test('when one API process is killed, then requests through the load balancer still succeed and the supervisor starts it again', async () => {
    const api1 = recorded.find((p) => p.name === 'api-1');
    assert.ok(api1 && isRunning(api1));
    process.kill(api1.pid, 'SIGKILL');
    await eventually(async () => isRunning(api1), (running) => !running, 5_000, 'api-1 to die');

    // Straight away, before the health check has noticed: a refused connection is retried.
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await fetch(`${lbUrl}/api/v1/ready`)).status);
    assert.deepEqual([...new Set(statuses)], [200]);
    const login = await fetch(`${lbUrl}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'testuser', password: 'testpass123' }) });
    assert.equal(login.status, 200);

    // Restarted like `restart: unless-stopped` would, and back in the rotation once ready.
    const restarted = await eventually(async () => readState(layout)?.processes.find((p) => p.name === 'api-1'), (p) => p !== undefined && p.restarts === 1 && isRunning(p), 20_000, 'api-1 to be started again');
    assert.notEqual(restarted!.pid, api1.pid);
    const rotation = await eventually(() => backendServers(layout), (servers) => servers.length === 2 && servers.every((s) => s.status === 'UP'), 60_000, 'both APIs back in the rotation');
    assert.deepEqual(rotation.map((s) => s.name), ['api-1', 'api-2']);
    // The status command checks each process itself, a moment apart from the balancer's checks: a
    // process just back may answer the balancer before it answers the status command.
    const status = await eventually(async () => runStack(env, 'status'), (result) => result.status === 0, 30_000, 'the status command to see every process serving');
    assert.equal(status.status, 0, status.output);
    assert.match(status.output, /api-1 +\d+ +running +serving +1 /);
    assert.match(status.output, /api-2 +\d+ +running +serving +0 /);
    recorded = readState(layout)?.processes ?? recorded;
  });

  test('when it is stopped from another terminal, then every process ends and its ports are free', async () => {
    const stop = runStack(env, 'stop');
    assert.equal(stop.status, 0, stop.output);
    assert.match(stop.output, /stack stopped/);
    assert.equal(await supervisorExit, 0, output.join(''));
    assert.deepEqual(recorded.filter(isRunning).map((p) => p.name), []);
    assert.deepEqual(await takenPorts(layout.host, listeningPorts(layout)), []);
    assert.equal(readState(layout), null);
    assert.match(runStack(env, 'status').output, /no stack running/);
  });
});

// The compose file is the same topology for Docker hosts: checked without a Docker engine.
describe('docker-compose.yml: the same topology', () => {
  test('when compose renders it, then two api replicas sit behind a load balancer whose configuration HAProxy accepts, beside two workers, Temporal on PostgreSQL and its UI', async () => {
    const compose = await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const secrets = Object.fromEntries([...compose.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => [m[1], 'placeholder-secret-value']));
    const rendered = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '--format', 'json'], { cwd: ROOT, env: { ...process.env, ...secrets }, encoding: 'utf8' });
    assert.equal(rendered.status, 0, rendered.stderr);
    const config = JSON.parse(rendered.stdout) as {
      services: Record<string, { deploy?: { replicas?: number }; ports?: { target: number }[]; image?: string; environment?: Record<string, string> }>;
      configs: Record<string, { content: string }>;
    };
    const { api, worker, 'load-balancer': lb, temporal, 'temporal-ui': ui } = config.services;
    assert.equal(api?.deploy?.replicas, 2);
    assert.equal(api?.ports, undefined, 'api replicas are reached through the load balancer only');
    assert.equal(api?.environment?.KYC_TRUST_PROXY, 'uniquelocal');
    assert.equal(worker?.deploy?.replicas, 2);
    assert.deepEqual(lb?.ports?.map((p) => p.target), [8000]);
    assert.equal(temporal?.environment?.DB, 'postgres12');
    assert.match(ui?.image ?? '', /^temporalio\/ui:2\.42\./);

    const haproxyConfig = config.configs.haproxy?.content ?? '';
    assert.match(haproxyConfig, /option httpchk GET \/api\/v1\/ready/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kyc-compose-lb-'));
    try {
      await writeFile(path.join(dir, 'haproxy.cfg'), haproxyConfig);
      const haproxy = process.env.HAPROXY_PATH ?? spawnSync('bash', ['scripts/ensure-haproxy.sh'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
      // Outside Docker the replicas' name does not resolve: HAProxy warns and still validates.
      const check = spawnSync(haproxy, ['-c', '-f', path.join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
