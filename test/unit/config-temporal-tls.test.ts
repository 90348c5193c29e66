// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../domain/config';
import { temporalConnectionOptions } from '../../infra/temporal';
import { productionEnv as production, refusal } from '../support/config';

// How every process reaches Temporal's frontend (TEMPORAL_TLS_*): a client certificate comes with
// its key, the files are read once into the connection options, and production does not talk to a
// frontend on another host without a client certificate.

const ROOT = path.resolve(__dirname, '..', '..');

const clientCertificate = { TEMPORAL_TLS_CA: '/etc/temporal-tls/server-ca.pem', TEMPORAL_TLS_CERT: '/etc/temporal-tls/kyc.pem', TEMPORAL_TLS_KEY: '/etc/temporal-tls/kyc.key' };

describe('Temporal connection settings', () => {
  test('when a client certificate is given without its key, or a key without its certificate, then loading fails naming the missing one', () => {
    assert.match(refusal({ TEMPORAL_TLS_CERT: '/tls/kyc.pem' }), /TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT/);
    assert.match(refusal({ TEMPORAL_TLS_KEY: '/tls/kyc.key' }), /TEMPORAL_TLS_CERT: required with TEMPORAL_TLS_KEY/);
    assert.equal(loadConfig({ TEMPORAL_TLS_CERT: '/tls/kyc.pem', TEMPORAL_TLS_KEY: '/tls/kyc.key' }).TEMPORAL_TLS_KEY, '/tls/kyc.key');
  });

  test('when no TEMPORAL_TLS_* is set, then the connection is plaintext to TEMPORAL_ADDRESS', () => {
    assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7233' })), { address: '127.0.0.1:7233' });
  });

  test('when the TLS files are given, then the connection carries their contents: the CA, the client certificate and key, and the server name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyc-temporal-tls-'));
    try {
      const files = { ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' };
      for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
      const env = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: path.join(dir, 'ca'), TEMPORAL_TLS_CERT: path.join(dir, 'cert'), TEMPORAL_TLS_KEY: path.join(dir, 'key') };
      const options = temporalConnectionOptions(loadConfig({ ...env, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }));
      assert.equal(options.address, 'temporal:7233');
      assert.equal(options.tls?.serverRootCACertificate?.toString(), 'CA-PEM');
      assert.equal(options.tls?.clientCertPair?.crt.toString(), 'CERT-PEM');
      assert.equal(options.tls?.clientCertPair?.key.toString(), 'KEY-PEM');
      assert.equal(options.tls?.serverNameOverride, 'temporal.internal');
      // A server name alone is TLS checked against the system's CAs (a managed Temporal).
      assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_SERVER_NAME: 'ns.example.tmprl.cloud' })).tls, { serverNameOverride: 'ns.example.tmprl.cloud' });
      assert.throws(() => temporalConnectionOptions(loadConfig({ ...env, TEMPORAL_TLS_KEY: path.join(dir, 'missing') })), (err: Error) => err instanceof ConfigError && /TEMPORAL_TLS_KEY: cannot read .*missing \(ENOENT\)/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when production reaches a frontend on another host without a client certificate, then it refuses to start naming TEMPORAL_TLS_CERT', () => {
    for (const address of ['temporal:7233', '10.0.4.2:7233', 'temporal.internal']) {
      assert.match(refusal({ ...production(), TEMPORAL_ADDRESS: address }), /TEMPORAL_TLS_CERT: required for a Temporal frontend on another host/, address);
      // TLS without a client certificate: the frontend that accepts it accepts anyone.
      assert.match(refusal({ ...production(), TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: '/tls/ca.pem' }), /TEMPORAL_TLS_CERT: required/, address);
    }
    assert.equal(loadConfig({ ...production(), TEMPORAL_ADDRESS: 'temporal:7233', ...clientCertificate }).TEMPORAL_TLS_CERT, clientCertificate.TEMPORAL_TLS_CERT);
  });

  test('when production reaches the frontend on this machine, or the network authenticates (TEMPORAL_TLS_REQUIRED=false), then no client certificate is required; outside production none is unless asked for', () => {
    for (const address of ['127.0.0.1:7233', 'localhost:7233', '[::1]:7233']) assert.equal(loadConfig({ ...production(), TEMPORAL_ADDRESS: address }).TEMPORAL_ADDRESS, address);
    assert.equal(loadConfig({ ...production(), TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_REQUIRED: 'false' }).TEMPORAL_TLS_REQUIRED, 'false');
    assert.equal(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).TEMPORAL_ADDRESS, 'temporal:7233');
    assert.match(refusal({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_REQUIRED: 'true' }), /TEMPORAL_TLS_CERT: required for a Temporal frontend on another host \(TEMPORAL_ADDRESS temporal:7233\):/);
  });

  test('when npm start is given TLS settings but no TEMPORAL_ADDRESS, then it refuses before starting anything: its embedded dev server has no TLS', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_TLS_CA: '/tls/ca.pem', KYC_DATA_DIR: path.join(tmpdir(), `kyc-unused-${randomUUID()}`) };
    delete env.TEMPORAL_ADDRESS;
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /TEMPORAL_ADDRESS: required with TEMPORAL_TLS_\*/);
  });
});
