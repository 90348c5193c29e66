import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../../infra/temporal';
import { REPOSITORY, type StackLayout } from './layout';

// Temporal's frontend requires a client certificate (mutual TLS), as a deployment's must: whoever
// reaches it without one could signal and update workflows (a reviewer's decision included). The
// stack's two CAs and every certificate come from scripts/temporal-certs.sh, the same script
// docker-compose.yml runs; made once under the stack's folder, made again before they expire.

const run = promisify(execFile);

// The name every client checks the frontend's certificate against, and Temporal's own services
// each other's: the stack's addresses are IPs, and Temporal's Go clients refuse to connect over
// TLS without a server name.
export const TLS_SERVER_NAME = 'localhost';

export interface ClientFiles {
  /** The CA that signed the frontend's certificate. */
  ca: string;
  cert: string;
  key: string;
}

export interface StackCertificates {
  serverCa: string;
  clientCa: string;
  frontend: { cert: string; key: string };
  internode: { cert: string; key: string };
  /** The API, the workers, the relay, the ops scripts and the supervisor's own checks. */
  kyc: ClientFiles;
  ui: ClientFiles;
  cli: ClientFiles;
}

export function stackCertificates(layout: StackLayout): StackCertificates {
  const at = (folder: string, file: string) => path.join(layout.tlsDir, folder, file);
  const client = (name: string): ClientFiles => ({ ca: at(name, 'server-ca.pem'), cert: at(name, `${name}.pem`), key: at(name, `${name}.key`) });
  return {
    serverCa: at('temporal', 'server-ca.pem'),
    clientCa: at('temporal', 'client-ca.pem'),
    frontend: { cert: at('temporal', 'frontend.pem'), key: at('temporal', 'frontend.key') },
    internode: { cert: at('temporal', 'internode.pem'), key: at('temporal', 'internode.key') },
    kyc: client('kyc'),
    ui: client('temporal-ui'),
    cli: client('temporal-cli'),
  };
}

/** Makes what is missing or about to expire; returns what it made, one line each. */
export async function ensureStackCertificates(layout: StackLayout): Promise<string[]> {
  const { stdout } = await run('sh', [path.join(REPOSITORY, 'scripts', 'temporal-certs.sh'), layout.tlsDir], { env: { ...process.env, TEMPORAL_CERT_HOSTS: `${TLS_SERVER_NAME},${layout.host}` } }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`the Temporal certificates could not be made: ${error.stderr?.trim() || error.message}`);
  });
  return stdout.split('\n').filter(Boolean);
}

/** The service's settings (domain/config.ts) naming a client's files. */
export function clientTlsEnv(files: ClientFiles): Record<'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_SERVER_NAME', string> {
  return { TEMPORAL_TLS_CA: files.ca, TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: files.key, TEMPORAL_TLS_SERVER_NAME: TLS_SERVER_NAME };
}

/** How the supervisor (and a test or benchmark driving the stack) reaches the frontend. */
export function stackTemporalConnection(layout: StackLayout): TemporalConnectionOptions {
  return temporalConnectionOptions({ TEMPORAL_ADDRESS: `${layout.host}:${layout.ports.temporalFrontend}`, ...clientTlsEnv(stackCertificates(layout).kyc) });
}
