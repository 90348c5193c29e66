import { type SecurityEventType } from '../generated/prisma/client';
import { type Db } from '../infra/db';
import { type Logger } from '../infra/logger';

export interface SecurityEventInput {
  type: SecurityEventType;
  ip: string | null;
  userId: string | null;
  method: string;
  route: string;
  status: number;
  /** Facts about the refused request (sizes, hashes, verdicts), never its content. */
  details?: Record<string, string | number | boolean>;
}

// The security log: refused webhook signatures, failed logins, bad tokens, refused roles and
// rate-limit hits, as a structured log line (for the log pipeline's alerts) and a security_events
// row (for auditors, GET /api/admin/security-events/). Ids, IPs and route patterns only, no PII.
export class SecurityLog {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async record(event: SecurityEventInput): Promise<void> {
    this.logger.warn('security event', { event: event.type, ip: event.ip, userId: event.userId, method: event.method, route: event.route, status: event.status, ...(event.details ? { details: event.details } : {}) });
    // The refusal is answered whatever happens here: a database outage must not turn a 401 into a 500.
    try {
      await this.db.securityEvent.create({ data: event });
    } catch (err) {
      this.logger.error('could not store a security event', { event: event.type, error: (err as Error).name });
    }
  }
}
