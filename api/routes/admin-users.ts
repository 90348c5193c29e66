import { z } from 'zod';
import { type User } from '../../generated/prisma/client';
import { UserAuditAction } from '../../store/users';
import { principalOf, roleSchema } from '../auth';
import { type ApiRouter } from '../openapi';
import { decodeCursor, page, pageQueryShape } from '../pagination';
import { changeUserAccount } from '../use-cases/change-user-account';
import { createServiceAccount } from '../use-cases/create-service-account';
import { createStaffAccount } from '../use-cases/create-staff-account';
import { type UseCaseDeps } from '../use-cases/deps';

// Staff account management for admins (the auditor reads): list accounts, create staff accounts,
// change a role or deactivate. Every change needs a reason and lands on user_audit_events
// (api/use-cases/create-staff-account.ts, change-user-account.ts; store/users.ts).

const TAGS = ['admin'];

export const staffRoleSchema = roleSchema.exclude(['customer', 'service']).describe('A staff role; customers register themselves, service accounts are created with POST /api/admin/service-accounts');

const reasonSchema = z.string().trim().min(3, 'at least 3 characters').max(500, 'at most 500 characters').describe('Why: kept on the audit trail with who and when');

export const userAccountSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  is_active: z.boolean(),
  external: z.boolean().describe('Signs in through the external identity provider, which may set the role on every sign-in'),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

export const userAccountListSchema = z.object({ items: z.array(userAccountSchema), next_cursor: z.string().nullable() });

export const userAccountQuerySchema = z.object({
  scope: z.enum(['staff', 'customers', 'all']).default('all').describe('staff: every role but customer'),
  role: roleSchema.optional(),
  is_active: z.enum(['true', 'false']).optional().describe('Only active (true) or deactivated (false) accounts'),
  ...pageQueryShape,
});

export const createStaffAccountSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.-]{3,150}$/, 'letters, digits, _ . - ; 3 to 150 characters'),
  email: z.email().max(254).optional(),
  password: z.string().min(12, 'at least 12 characters').max(200).describe('The first password; hand it over out of band'),
  role: staffRoleSchema,
  reason: reasonSchema,
});

export const createServiceAccountSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.-]{3,150}$/, 'letters, digits, _ . - ; 3 to 150 characters').describe('Names the integrating system'),
  reason: reasonSchema,
});

export const serviceAccountSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  role: z.literal('service'),
  api_key: z.string().describe('Send as Authorization: Bearer <api_key>. Shown once: only a hash is kept'),
  key_prefix: z.string().describe('The first characters of the key, shown in lists to tell keys apart'),
  created_at: z.iso.datetime(),
});

export const changeUserAccountSchema = z
  .object({
    role: staffRoleSchema.optional(),
    is_active: z.boolean().optional(),
    reason: reasonSchema,
  })
  .refine((change) => change.role !== undefined || change.is_active !== undefined, { message: 'give role, is_active or both', path: ['role'] });

export const userChangeSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  username: z.string().nullable().describe('Null when the account no longer exists'),
  actor_id: z.uuid().nullable().describe('The account that made the change; null when the identity provider did (actor_provider) or the service itself (a migration)'),
  actor_username: z.string().nullable(),
  actor_provider: z.string().nullable().describe("The external identity provider's issuer, when its token made the change (a first sign-in, or the role claim it carries)"),
  action: z.enum(UserAuditAction),
  from_role: roleSchema.nullable(),
  to_role: roleSchema.nullable(),
  reason: z.string(),
  created_at: z.iso.datetime(),
});

export const userChangeListSchema = z.object({ items: z.array(userChangeSchema), next_cursor: z.string().nullable() });

export const userChangeQuerySchema = z.object({
  user_id: z.uuid().optional().describe('Only the changes to this account'),
  ...pageQueryShape,
});

const userIdParams = z.object({ id: z.uuid() });

function accountView(user: User): z.input<typeof userAccountSchema> {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role,
    is_active: user.isActive,
    external: user.externalIssuer !== null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

export function adminUserRoutes(api: ApiRouter, useCases: UseCaseDeps): void {
  const users = useCases.stores.users;

  api.route(
    {
      method: 'get',
      path: '/users',
      operationId: 'listUserAccounts',
      summary: 'User accounts, newest first',
      tags: TAGS,
      access: ['admin', 'auditor'],
      query: userAccountQuerySchema,
      responses: { 200: { description: 'Newest first', schema: userAccountListSchema } },
    },
    async (req) => {
      const query = req.query;
      const after = decodeCursor(query.cursor);
      const rows = await users.listAccounts({
        scope: query.scope,
        ...(query.role ? { role: query.role } : {}),
        ...(query.is_active ? { isActive: query.is_active === 'true' } : {}),
        ...(after ? { after } : {}),
        limit: query.limit,
      });
      const { items, nextCursor } = page(rows, query.limit);
      return { status: 200, body: { items: items.map(accountView), next_cursor: nextCursor } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/users',
      operationId: 'createStaffAccount',
      summary: 'Create a staff account',
      tags: TAGS,
      access: ['admin'],
      body: { schema: createStaffAccountSchema, example: { username: 'jane.reviewer', password: 'a long first password', role: 'reviewer', reason: 'joins the review team (ticket OPS-142)' } },
      responses: { 201: { description: 'Created; on the audit trail', schema: userAccountSchema } },
      problems: ['conflict'],
    },
    async (req) => {
      const user = await createStaffAccount(users, principalOf(req).userId, req.body);
      return { status: 201, body: accountView(user) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/service-accounts',
      operationId: 'createServiceAccount',
      summary: 'Create a service account and its API key (for POST /api/v1/verify)',
      description:
        'An integrating system authenticates with the key as a bearer token (Authorization: Bearer kyc_sk_...). The key is in this answer only: only its SHA-256 is kept. ' +
        'Revoke it by deactivating the account (PATCH /api/admin/users/{id} with is_active false); the account is listed among the users with role service.',
      tags: TAGS,
      access: ['admin'],
      body: { schema: createServiceAccountSchema, example: { username: 'onboarding-portal', reason: 'the partner portal checks documents before submitting (ticket OPS-201)' } },
      responses: { 201: { description: 'Created; the key is shown once', schema: serviceAccountSchema } },
      problems: ['conflict'],
    },
    async (req) => {
      const { account, key } = await createServiceAccount(useCases.stores, principalOf(req).userId, req.body);
      return { status: 201, body: { id: account.id, username: account.username, role: 'service', api_key: key, key_prefix: account.keyPrefix, created_at: account.createdAt.toISOString() } };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/users/:id',
      operationId: 'changeUserAccount',
      summary: "Change an account's role or deactivate (or reactivate) it",
      description:
        'A reason is required; each change goes on the audit trail. Deactivating or changing a role refuses the tokens issued before at once. ' +
        'Refused with 409: your own role or your own deactivation, a staff role for a customer account, removing the last active admin.',
      tags: TAGS,
      access: ['admin'],
      params: userIdParams,
      body: { schema: changeUserAccountSchema, example: { is_active: false, reason: 'left the company' } },
      responses: { 200: { description: 'The account as it is now', schema: userAccountSchema } },
      problems: ['conflict'],
    },
    async (req) => {
      const { role, is_active: isActive, reason } = req.body;
      const user = await changeUserAccount(users, principalOf(req).userId, req.params.id, { role, isActive, reason });
      return { status: 200, body: accountView(user) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/user-changes',
      operationId: 'listUserAccountChanges',
      summary: 'The audit trail of account management: who changed which account, how and why',
      tags: TAGS,
      access: ['admin', 'auditor'],
      query: userChangeQuerySchema,
      responses: { 200: { description: 'Newest first', schema: userChangeListSchema } },
    },
    async (req) => {
      const query = req.query;
      const after = decodeCursor(query.cursor);
      const rows = await users.listChanges({ ...(query.user_id ? { userId: query.user_id } : {}), ...(after ? { after } : {}), limit: query.limit });
      const { items, nextCursor } = page(rows, query.limit);
      return {
        status: 200,
        body: {
          items: items.map((e) => ({
            id: e.id,
            user_id: e.userId,
            username: e.username,
            actor_id: e.actorId,
            actor_username: e.actorUsername,
            actor_provider: e.actorProvider,
            action: e.action,
            from_role: e.fromRole,
            to_role: e.toRole,
            reason: e.reason,
            created_at: e.createdAt.toISOString(),
          })),
          next_cursor: nextCursor,
        },
      };
    },
  );
}
