import { type Client } from '@temporalio/client';
import { type Config } from '../../domain/config';
import { type Logger } from '../../infra/logger';
import { type PgRateLimiter } from '../../infra/rate-limiter';
import { type Stores } from '../../store';

/** What the use cases work with: the stores (reads), Temporal (every change goes through a workflow), settings, the clock. */
export interface UseCaseDeps {
  stores: Stores;
  temporal: Client;
  config: Config;
  logger: Logger;
  rateLimiter: PgRateLimiter;
  now: () => Date;
}
