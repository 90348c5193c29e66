import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/** Connections a process keeps to the database unless told otherwise. */
export const DEFAULT_POOL_SIZE = 10;

export function createDb(databaseUrl: string, poolSize = DEFAULT_POOL_SIZE): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  return new PrismaClient({ adapter });
}
