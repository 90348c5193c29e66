import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

// A PostgreSQL server of the chaos run's own: the shared server of the machine (the tests', other
// checkouts') must not be crashed, so the run creates a throwaway cluster on a port of its block
// with the server binaries scripts/ensure-postgres.sh installed, crashes and restarts it at will,
// and deletes it at the end. PostgreSQL refuses to run as root: as root, the cluster belongs to
// the `postgres` account and its commands run as that account (runuser).

const run = promisify(execFile);
const ROLE = 'kyc_chaos';

async function binDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [])).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error(`no PostgreSQL server binaries under ${root}: run scripts/ensure-postgres.sh first`);
  return path.join(root, versions[0], 'bin');
}

export interface PrivatePostgres {
  /** A superuser URL of the server (database `postgres`). */
  url: string;
  port: number;
  /** Kills the server without a checkpoint (`pg_ctl -m immediate`): what a crash leaves, recovered from the WAL on start. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Whether it accepts connections and answers a query. */
  serving(): Promise<boolean>;
  /** Stops it and deletes its files. */
  remove(): Promise<void>;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const bin = await binDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kyc-chaos-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  await chmod(dir, 0o755);
  await mkdir(data, { mode: 0o700 });
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(data, uid, gid);
    // The log file is created by the server, in a folder it may write.
    await chown(dir, uid, gid);
  }
  const pg = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args));
  await pg('initdb', ['-D', data, '-U', ROLE, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  // TCP on loopback only, no Unix socket (its default folder belongs to the system's server);
  // connections for two APIs, two workers, the relay, Temporal and the run itself.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  };
  await start();
  const url = `postgresql://${ROLE}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    start,
    async crash() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    async serving() {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async remove() {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
