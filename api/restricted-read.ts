import { type Request } from 'express';
import { z } from 'zod';
import { ACCESS_REASON_LENGTH } from '../domain/privacy';
import { type Reader } from '../store/restricted-access';
import { principalOf } from './auth';

// How the auditor gives the reason of a restricted read: the `reason` query parameter, the same on
// every endpoint that may read a restricted customer's data (store/restricted-access.ts decides;
// anyone else gets 410, the auditor without it 400 naming query.reason). Declared in each such
// endpoint's query schema, so it is validated and documented in /openapi.json.

export const restrictedReadQuerySchema = z.object({
  reason: z
    .string()
    .trim()
    .min(ACCESS_REASON_LENGTH.min)
    .max(ACCESS_REASON_LENGTH.max)
    .optional()
    .describe('The auditor, to read a customer’s data kept restricted after an erasure: why (a case or request number); it goes on the privacy audit trail. Without it such a read answers 400; other roles get 410.'),
});

/** Who reads, with the reason they gave: one object per request, so the gate logs each kind of data once per request. */
export function readerOf(req: Pick<Request, 'principal'> & { query: unknown }): Reader & { userId: string } {
  const { userId, role } = principalOf(req);
  const reason = (req.query as { reason?: unknown } | undefined)?.reason;
  return { userId, role, ...(typeof reason === 'string' ? { reason } : {}) };
}
