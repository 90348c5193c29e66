import { Prisma } from '../generated/prisma/client';
import { type Db, runStatement } from './db';

export interface RateLimitVerdict {
  allowed: boolean;
  hits: number;
  /** Seconds until the current window closes (at least 1). */
  retryAfterSeconds: number;
}

// Fixed-window counters in PostgreSQL, so every API process counts against the same limit. One
// statement counts the hit and reads the total (INSERT .. ON CONFLICT DO UPDATE locks the row),
// so concurrent requests cannot both see "one left". Windows are aligned on the database clock,
// not on each process's clock. A fixed window lets a client spend up to twice the limit across
// a window boundary; for limits counted per hour that is accepted for the simplicity of one row.
export class PgRateLimiter {
  constructor(private readonly db: Db) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitVerdict> {
    // On the driver (runStatement): every verification start counts a hit.
    const rows = await runStatement<{ hits: number; opened: boolean; retry_after: number }>(
      this.db,
      Prisma.sql`
      WITH bucket AS (
        INSERT INTO rate_limit_buckets (key, window_start, hits)
        VALUES (${key}, to_timestamp(floor(extract(epoch FROM now())::float8 / ${windowSeconds}::int) * ${windowSeconds}::int), 1)
        ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_buckets.hits + 1
        RETURNING hits, window_start, (xmax = 0) AS opened
      )
      SELECT hits,
             opened,
             greatest(1, ceil(extract(epoch FROM (window_start + make_interval(secs => ${windowSeconds}::int) - now()))))::int AS retry_after
      FROM bucket`,
    );
    const row = rows[0];
    if (!row) throw new Error('rate limit upsert returned no row');
    // The first hit of a window clears windows that are over, so the table stays small without a job.
    if (row.opened) {
      await this.db.$executeRaw`DELETE FROM rate_limit_buckets WHERE window_start < now() - make_interval(secs => ${windowSeconds}::int)`;
    }
    return { allowed: row.hits <= limit, hits: row.hits, retryAfterSeconds: row.retry_after };
  }
}
