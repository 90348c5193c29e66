import { type Prisma, type SecurityEvent, type SecurityEventType } from '../generated/prisma/client';
import { type Db } from '../infra/db';
import { afterKey, type PageRequest } from './keyset';

// The security log as auditors read it (api/security-log.ts writes it).

export interface SecurityEventFilter extends PageRequest {
  type?: SecurityEventType;
  since?: Date;
}

export class SecurityEventStore {
  constructor(private readonly db: Db) {}

  /** Newest first, one page (limit + 1 rows). */
  async list(filter: SecurityEventFilter): Promise<SecurityEvent[]> {
    const where: Prisma.SecurityEventWhereInput = {
      AND: [filter.type ? { type: filter.type } : {}, filter.since ? { createdAt: { gte: filter.since } } : {}, afterKey(filter.after)],
    };
    return this.db.securityEvent.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
  }
}

/** The kinds of security events, for the API's schemas. */
export { SecurityEventType } from '../generated/prisma/client';
