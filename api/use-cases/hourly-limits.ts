import { Problem } from '../problem';
import { type UseCaseDeps } from './deps';

// Hourly limits on requests that cost far more than a read (a stored image, seconds of OCR, a
// screening search): counted in PostgreSQL (infra/rate-limiter.ts), so every API process counts
// against the same limit. A refusal is 429 with Retry-After and names the rule it broke.

const HOUR_SECONDS = 3600;

export interface HourlyLimit {
  /** Names the rule in the refusal (`rule`) and the counter (with `subject`). */
  rule: string;
  /** Whom the limit counts: a user id or a client address. */
  subject: string;
  max: number;
  /** What is counted, in words: "document uploads from one address". */
  what: string;
}

/** Counts one request against every limit (all of them, so a refused client keeps counting), then refuses if any is over. */
export async function countAgainst(deps: Pick<UseCaseDeps, 'rateLimiter'>, limits: readonly HourlyLimit[]): Promise<void> {
  const verdicts = await Promise.all(limits.map((limit) => deps.rateLimiter.hit(`${limit.rule}:${limit.subject}`, limit.max, HOUR_SECONDS)));
  const broken = limits.findIndex((_, index) => !verdicts[index]!.allowed);
  if (broken < 0) return;
  const limit = limits[broken]!;
  const retryAfter = verdicts[broken]!.retryAfterSeconds;
  throw new Problem('rate_limited', `At most ${limit.max} ${limit.what} per hour; retry in ${retryAfter} s`, undefined, { retry_after: retryAfter, rule: limit.rule }, { rule: limit.rule });
}
