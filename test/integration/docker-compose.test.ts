// needs: docker-compose, openssl
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema, loadConfig } from '../../domain/config';
import { SERVER_DYNAMIC_CONFIG } from '../../scripts/temporal-dev-server';

// docker-compose.yml ships for users; no Docker engine runs here, but `docker compose config`
// parses and interpolates the file without one. The file must refuse to start without secrets.

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

const REQUIRED = [
  'POSTGRES_PASSWORD',
  'KEY_STORE_PASSWORD',
  'TEMPORAL_DB_PASSWORD',
  'VERIFF_API_KEY',
  'VERIFF_API_SECRET',
  'VERIFF_WEBHOOK_SECRET',
  'KYC_PII_KEYS',
  'KYC_PII_HASH_KEY',
  'KYC_PAYLOAD_KEYS',
  'JWT_SECRET',
  'RABBITMQ_PASSWORD',
] as const;

// Well-formed production values: what an operator would put in .env.
const key = () => `k1:${randomBytes(32).toString('base64')}`;
const SECRETS: Record<(typeof REQUIRED)[number], string> = {
  POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
  KEY_STORE_PASSWORD: randomBytes(24).toString('hex'),
  TEMPORAL_DB_PASSWORD: randomBytes(24).toString('hex'),
  VERIFF_API_KEY: 'live-api-key',
  VERIFF_API_SECRET: randomBytes(24).toString('hex'),
  VERIFF_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
  KYC_PII_KEYS: key(),
  KYC_PII_HASH_KEY: randomBytes(24).toString('hex'),
  KYC_PAYLOAD_KEYS: key(),
  JWT_SECRET: randomBytes(24).toString('hex'),
  RABBITMQ_PASSWORD: randomBytes(24).toString('hex'),
};

const composeText = readFileSync(COMPOSE_FILE, 'utf8');

// The child sees none of this process's own settings for the variables under test.
function childEnv(secrets: Partial<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!(REQUIRED as readonly string[]).includes(name) && !name.startsWith('COMPOSE_')) env[name] = value;
  }
  return { ...env, ...secrets };
}

let composeProblem: string | undefined;
function requireCompose(): void {
  if (composeProblem) {
    assert.fail(
      `docker compose is not available on this machine, so docker-compose.yml cannot be validated:\n${composeProblem}\n` +
        'Install the Docker Compose v2 CLI plugin (Debian/Ubuntu: docker-compose-plugin); this test installs nothing.',
    );
  }
}

describe('docker-compose.yml', () => {
  let emptyEnvDir: string;
  let emptyEnvFile: string;
  before(() => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.error) composeProblem = `\`docker\` could not be run: ${version.error.message}`;
    else if (version.status !== 0) composeProblem = `\`docker compose version\` exited with ${version.status}: ${(version.stderr || version.stdout).trim()}`;
    // An empty --env-file keeps a developer's own .env from supplying the variables under test.
    emptyEnvDir = mkdtempSync(path.join(tmpdir(), 'kyc-compose-'));
    emptyEnvFile = path.join(emptyEnvDir, 'empty.env');
    writeFileSync(emptyEnvFile, '');
  });
  after(() => rmSync(emptyEnvDir, { recursive: true, force: true }));

  function composeConfig(secrets: Partial<Record<string, string>>) {
    return spawnSync('docker', ['compose', '-f', COMPOSE_FILE, '--env-file', emptyEnvFile, 'config', '--quiet'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: childEnv(secrets),
    });
  }

  function renderedServices(): Record<string, ComposeService> {
    const result = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, '--env-file', emptyEnvFile, 'config', '--format', 'json'], { cwd: ROOT, encoding: 'utf8', env: childEnv(SECRETS) });
    assert.equal(result.status, 0, result.stderr);
    return (JSON.parse(result.stdout) as { services: Record<string, ComposeService> }).services;
  }

  test('docker compose is available (needed by the tests below)', () => {
    requireCompose();
  });

  test('`docker compose config` accepts the file when the secrets are set', () => {
    requireCompose();
    const result = composeConfig(SECRETS);
    assert.equal(result.status, 0, `docker compose config failed:\n${result.stderr}`);
  });

  test('`docker compose config` refuses to go on without each secret, naming it', () => {
    requireCompose();
    for (const name of REQUIRED) {
      const result = composeConfig({ ...SECRETS, [name]: undefined });
      assert.notEqual(result.status, 0, `compose accepted the file without ${name}`);
      assert.match(result.stderr, new RegExp(`\\b${name}\\b`), `the error does not name ${name}:\n${result.stderr}`);
    }
  });

  test("when compose runs, then Temporal's gRPC ports require a client certificate, the UI a sign-in, and every Temporal client finds a certificate the frontend trusts in its own folder of the temporal-tls volume", () => {
    requireCompose();
    const services = renderedServices();
    const temporal = services.temporal!;
    assert.equal(temporal.environment?.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH, 'true');
    const ui = services['temporal-ui']!.environment ?? {};
    assert.equal(ui.TEMPORAL_AUTH_ENABLED, 'true', 'the UI shows nothing before an OIDC sign-in');
    assert.equal(ui.TEMPORAL_TLS_ENABLE_HOST_VERIFICATION, 'true', "the UI checks the frontend's certificate");
    assert.equal(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN, 'true', "the codec decodes with the signed-in person's token");

    // The certificates as the temporal-certs service makes them, with its settings.
    const generator = services['temporal-certs']!;
    const dir = mkdtempSync(path.join(tmpdir(), 'kyc-compose-tls-'));
    try {
      const made = spawnSync('sh', [path.join(ROOT, 'scripts', 'temporal-certs.sh'), dir], { encoding: 'utf8', env: { ...process.env, TEMPORAL_CERT_HOSTS: generator.environment?.TEMPORAL_CERT_HOSTS } });
      assert.equal(made.status, 0, made.stderr);
      // A path inside a container, as the file in the generated folder its volume subpath names.
      const local = (service: string, file: string | undefined): string => {
        assert.ok(file, `${service}: a TLS file is not set`);
        const mount = services[service]!.volumes?.find((v) => v.source === 'temporal-tls' && file.startsWith(`${v.target}/`));
        assert.ok(mount?.volume?.subpath, `${service}: ${file} is not in a folder of the temporal-tls volume`);
        assert.equal(mount.read_only, true, `${service} mounts its certificates read-only`);
        const found = path.join(dir, mount.volume.subpath, file.slice(mount.target.length + 1));
        assert.ok(existsSync(found), `${service}: ${file} is not made by temporal-certs.sh (${mount.volume.subpath}/${path.basename(file)})`);
        return found;
      };
      const verifies = (caFiles: string[], cert: string) => caFiles.some((ca) => spawnSync('openssl', ['verify', '-CAfile', ca, cert]).status === 0);
      const env = temporal.environment!;
      const frontendCert = local('temporal', env.TEMPORAL_TLS_FRONTEND_CERT);
      local('temporal', env.TEMPORAL_TLS_FRONTEND_KEY);
      const trusted = [local('temporal', env.TEMPORAL_TLS_CLIENT1_CA_CERT), local('temporal', env.TEMPORAL_TLS_CLIENT2_CA_CERT)];
      const clients = Object.entries(services).filter(([, service]) => service.environment?.TEMPORAL_ADDRESS === 'temporal:7233' || service.environment?.TEMPORAL_TLS_CERT);
      assert.deepEqual(clients.map(([name]) => name).sort(), ['api', 'relay', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
      for (const [name, service] of clients) {
        const clientEnv = service.environment!;
        assert.ok(verifies([local(name, clientEnv.TEMPORAL_TLS_CA)], frontendCert), `${name} trusts the frontend's certificate`);
        assert.ok(verifies(trusted, local(name, clientEnv.TEMPORAL_TLS_CERT)), `the frontend trusts ${name}'s certificate`);
        local(name, clientEnv.TEMPORAL_TLS_KEY);
      }
      const names = spawnSync('openssl', ['x509', '-in', frontendCert, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }).stdout;
      assert.match(names, /DNS:temporal\b/, 'the frontend certificate names the host its clients dial');
      // The CA keys stay in ca/, which no service but the generator mounts.
      const mounted = Object.entries(services).flatMap(([name, service]) => (service.volumes ?? []).filter((v) => v.source === 'temporal-tls').map((v) => `${name}:${v.volume?.subpath ?? '(whole volume)'}`));
      assert.deepEqual(mounted.filter((m) => m.endsWith('(whole volume)')), ['temporal-certs:(whole volume)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The checks below read the file itself: they hold with or without docker compose.

  test('exactly the secrets are required, and none has a fallback', () => {
    const required = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]));
    assert.deepEqual([...required].sort(), [...REQUIRED].sort());
    for (const name of REQUIRED) {
      assert.doesNotMatch(composeText, new RegExp(`\\$\\{${name}(:?-|\\})`), `${name} must not have a default`);
    }
  });

  test("the service environment is a valid production configuration for domain/config.ts", () => {
    const block = /^x-kyc-environment: &kyc-environment\n((?: {2}.*\n)+)/m.exec(composeText);
    assert.ok(block?.[1], 'x-kyc-environment block not found');
    const known = Object.keys(configSchema.shape);
    const env: Record<string, string> = {};
    for (const line of block[1].split('\n').filter(Boolean)) {
      const entry = /^ {2}([A-Z0-9_]+): (.*)$/.exec(line);
      assert.ok(entry?.[1] && entry[2] !== undefined, `cannot read "${line}"`);
      assert.ok(known.includes(entry[1]), `${entry[1]} is not a setting of domain/config.ts`);
      env[entry[1]] = interpolate(entry[2].replace(/^"(.*)"$/, '$1'), SECRETS);
    }
    const config = loadConfig(env); // throws on development secrets, demo accounts, missing DATABASE_URL
    assert.equal(config.NODE_ENV, 'production');
    assert.equal(config.KYC_DEMO_ACCOUNTS, false);
    assert.equal(config.DATABASE_URL, `postgresql://kyc:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/kyc`);
    assert.equal(config.TEMPORAL_TLS_CERT, '/etc/temporal-tls/kyc.pem', 'every KYC process presents its client certificate to Temporal');
  });

  test("Temporal runs with the project's server settings, as the dev server and npm run stack do", () => {
    const content = /^ {2}temporal-dynamic-config:\n {4}content: \|\n((?: {6}.*\n)+)/m.exec(composeText)?.[1];
    assert.ok(content, 'the temporal-dynamic-config block is missing');
    const settings: Record<string, unknown> = {};
    for (const [, key, value] of content.matchAll(/^ {6}(\S+):\n {8}- value: (.+)$/gm)) settings[key!] = JSON.parse(value!);
    assert.deepEqual(settings, SERVER_DYNAMIC_CONFIG);
    assert.match(composeText, /DYNAMIC_CONFIG_FILE_PATH: \/etc\/temporal\/config\/dynamicconfig\/kyc\.yaml\n {4}configs:\n {6}- source: temporal-dynamic-config\n {8}target: \/etc\/temporal\/config\/dynamicconfig\/kyc\.yaml/);
  });

  test('the image runs as the unprivileged node user', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(finalStage, /^FROM node:20-bookworm-slim\b/m);
    assert.match(finalStage, /^USER node$/m);
  });
});

interface ComposeService {
  environment?: Record<string, string>;
  volumes?: { type: string; source?: string; target: string; read_only?: boolean; volume?: { subpath?: string } }[];
}

// Compose's interpolation, as far as this file uses it: ${NAME}, ${NAME:-default}, ${NAME:?error}.
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind: string | undefined, rest: string | undefined) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '-') return rest ?? '';
    throw new Error(`${name} is required by docker-compose.yml`);
  });
}
