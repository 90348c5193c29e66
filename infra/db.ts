import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Prisma, PrismaClient } from '../generated/prisma/client';
import { createLogger, type Logger } from './logger';

export type Db = PrismaClient;

/** Connections a process keeps to the database unless told otherwise. */
export const DEFAULT_POOL_SIZE = 10;

// The connection pool of each client createDb made: the client's queries and the statements sent
// past it (runStatement) share its connections.
const pools = new WeakMap<object, pg.Pool>();

/**
 * A Prisma client on a pg pool of `poolSize` connections. A connection that dies while idle in the
 * pool (the database restarted, an administrator ended it) is logged on `logger` and dropped: the
 * pool opens a new one for the next query, and a query the loss met fails on its own. Unhandled,
 * the pool's error event would end the process.
 */
export function createDb(databaseUrl: string, poolSize = DEFAULT_POOL_SIZE, logger: Logger = createLogger('warn')): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  pool.on('error', (err: Error & { code?: string }) => logger.warn('idle database connection lost', { error: err.name, code: err.code ?? null }));
  // The same pg at run time; the adapter brings newer type declarations of it.
  const db = new PrismaClient({ adapter: new PrismaPg(pool as unknown as ConstructorParameters<typeof PrismaPg>[0], { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * A statement written out (Prisma.sql), sent on the client's own connection pool past the
 * client's query engine, which costs two to three times the driver's CPU for each statement: for
 * the statements on every webhook's and every verification's path. Its rows come as the pg driver
 * reads them (int8 and numeric as strings: cast what must be a number to int). A client createDb
 * did not make (a transaction's) runs the statement itself.
 */
/** The readiness probe: one round trip to the server. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}

export async function runStatement<T>(db: Db | Prisma.TransactionClient, statement: Prisma.Sql): Promise<T[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRaw<T[]>(statement);
  return (await pool.query(statement.text, statement.values)).rows as T[];
}
