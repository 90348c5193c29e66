import assert from 'node:assert/strict';
import { type Db } from '../../infra/db';

/**
 * Runs the given writes while a transaction of its own holds the record's row, and lets the row go
 * once each of them waits for a lock: a race between them made certain, not left to timing.
 * Returns how each write settled.
 */
export async function raceOnHeldRecord<T>(db: Db, recordId: string, writes: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const holding = new Promise<void>((resolve) => (locked = resolve));
  const holder = db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM kyc_records WHERE id = ${recordId}::uuid FOR UPDATE`;
      locked();
      await held;
    },
    { timeout: 30_000 },
  );
  await holding;
  const racing = writes.map((write) => write());
  const waiting = async () => (await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_locks WHERE NOT granted`)[0]!.n;
  for (let tries = 0; (await waiting()) < BigInt(writes.length); tries += 1) {
    assert.ok(tries < 200, 'every write waits for the record');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  release();
  await holder;
  return Promise.allSettled(racing);
}
