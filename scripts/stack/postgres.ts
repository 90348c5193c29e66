import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { REPOSITORY } from './layout';

// The one PostgreSQL server of the stack: the KYC database and Temporal's two live side by side,
// reached with one role that may create databases.

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  urlOf(database: string): string;
}

export function postgresServer(configured: string | undefined): PostgresServer {
  // scripts/ensure-postgres.sh starts (or installs) a local server when none is reachable.
  const url = new URL(configured ?? execFileSync('bash', [path.join(REPOSITORY, 'scripts', 'ensure-postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim());
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    urlOf(database) {
      const target = new URL(url);
      target.pathname = `/${database}`;
      return target.toString();
    },
  };
}

export async function ensureDatabase(server: PostgresServer, database: string): Promise<boolean> {
  const client = new Client({ connectionString: server.urlOf('postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    // The name is checked by the stack's settings (lower-case letters, digits, _): safe to quote.
    await client.query(`CREATE DATABASE "${database}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Removes databases (the test's own, after its stack stopped). */
export async function dropDatabases(server: PostgresServer, databases: string[]): Promise<void> {
  const client = new Client({ connectionString: server.urlOf('postgres') });
  await client.connect();
  try {
    for (const database of databases) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
