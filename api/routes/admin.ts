import { z } from 'zod';
import { SecurityEventType } from '../../store/security-events';
import { type ApiRouter } from '../openapi';
import { decodeCursor, page, pageQueryShape } from '../pagination';
import { type UseCaseDeps } from '../use-cases/deps';

// Administration and audit views. Read-only: the auditor reads everything here.

export const securityEventTypeSchema = z.enum(SecurityEventType);

export const securityEventSchema = z.object({
  id: z.uuid(),
  type: securityEventTypeSchema,
  ip: z.string().nullable(),
  user_id: z.uuid().nullable().describe('The authenticated caller, when there was one; for registration_conflict, the account holding the username or e-mail address a registration named (its owner is to be told)'),
  method: z.string(),
  route: z.string().describe('The route pattern, e.g. /api/kyc/records/:id/status/'),
  status: z.number().int(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable().describe('Facts about the refused request, never its content (e.g. the size and SHA-256 of a refused webhook body)'),
  created_at: z.iso.datetime(),
});

export const securityEventListSchema = z.object({ items: z.array(securityEventSchema), next_cursor: z.string().nullable() });

export const securityEventQuerySchema = z.object({
  type: securityEventTypeSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('At or after this instant'),
  ...pageQueryShape,
});

export function adminRoutes(api: ApiRouter, useCases: UseCaseDeps): void {
  api.route(
    {
      method: 'get',
      path: '/security-events/',
      operationId: 'listSecurityEvents',
      summary: 'The security log: signature failures, failed logins and bad tokens, refused roles, rate-limit hits',
      tags: ['Operations'],
      access: ['admin', 'auditor'],
      query: securityEventQuerySchema,
      responses: { 200: { description: 'Newest first', schema: securityEventListSchema } },
    },
    async (req) => {
      const query = req.query;
      const after = decodeCursor(query.cursor);
      const rows = await useCases.stores.securityEvents.list({
        ...(query.type ? { type: query.type } : {}),
        ...(query.since ? { since: new Date(query.since) } : {}),
        ...(after ? { after } : {}),
        limit: query.limit,
      });
      const { items, nextCursor } = page(rows, query.limit);
      return {
        status: 200,
        body: {
          items: items.map((e) => ({ id: e.id, type: e.type, ip: e.ip, user_id: e.userId, method: e.method, route: e.route, status: e.status, details: (e.details as Record<string, string | number | boolean> | null) ?? null, created_at: e.createdAt.toISOString() })),
          next_cursor: nextCursor,
        },
      };
    },
  );
}
