import { z } from 'zod';
import { type Db } from '../../infra/db';
import { type LoginThrottle } from '../../infra/login-throttle';
import { hashPassword, verifyPassword } from '../../infra/passwords';
import { roleSchema, type TokenService } from '../auth';
import { type ApiRouter } from '../openapi';
import { Problem, ROUTE_PATTERN_LOCAL } from '../problem';
import { type SecurityLog } from '../security-log';
import { basicLimits } from '../../store/wallets';

export const loginRequestSchema = z.object({
  username: z.string().min(1).max(150),
  password: z.string().min(1).max(200),
});

export const registerRequestSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.-]{3,150}$/, 'letters, digits, _ . - ; 3 to 150 characters'),
  email: z.email().max(254).optional(),
  password: z.string().min(10, 'at least 10 characters').max(200),
});

// access and access_token carry the same token: clients written for simplejwt-style APIs read `access`,
// OAuth-style clients read `access_token`.
export const tokenResponseSchema = z.object({
  access: z.string(),
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('Seconds'),
  role: roleSchema,
  user_id: z.uuid(),
});

export const registerResponseSchema = tokenResponseSchema.omit({ user_id: true }).extend({ id: z.uuid(), username: z.string() });

// A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
const DUMMY_HASH_PROMISE = hashPassword('not-a-real-password');

const TAGS = ['Accounts'];

export interface AuthDeps {
  db: Db;
  tokens: TokenService;
  throttle: LoginThrottle;
  securityLog: SecurityLog;
}

// The same answer whether the name exists or not, and whether the name or the address is locked.
const LOCKED_DETAIL = 'Too many failed sign-ins; wait before trying again';

export function authRoutes(api: ApiRouter, { db, tokens, throttle, securityLog }: AuthDeps): void {
  api.route(
    {
      method: 'post',
      path: '/login/',
      operationId: 'login',
      summary: 'Exchange a username and password for an access token (HS256 JWT)',
      description:
        'Failed sign-ins are throttled per username (known or not, alike) and per client address: after KYC_LOGIN_MAX_FAILURES (5) in a row for a name, ' +
        'or KYC_LOGIN_MAX_FAILURES_PER_IP (20) from an address, sign-ins are refused with 429 and Retry-After, the right password too, ' +
        'for KYC_LOGIN_LOCK_SECONDS (30), doubling with each further failure up to KYC_LOGIN_LOCK_MAX_SECONDS (900).',
      tags: TAGS,
      access: { public: 'this is where a token is obtained' },
      body: { schema: loginRequestSchema, example: { username: 'testuser', password: 'testpass123' } },
      responses: { 200: { description: 'Logged in', schema: tokenResponseSchema } },
      problems: ['invalid_credentials', 'rate_limited'],
    },
    async (req, res) => {
      const { username, password } = req.body;
      const ip = req.ip ?? 'unknown';
      const admission = await throttle.admit(username, ip);
      if (!admission.admitted) throw new Problem('rate_limited', LOCKED_DETAIL, undefined, { retry_after: admission.retryAfterSeconds });
      const user = await db.user.findUnique({ where: { username } });
      const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
      if (!user || !ok || !user.isActive || !user.passwordHash) {
        const route = String(res.locals[ROUTE_PATTERN_LOCAL]);
        for (const kind of admission.attempt.startsLock) {
          await securityLog.record({ type: 'login_locked', ip, userId: kind === 'account' ? (user?.id ?? null) : null, method: req.method, route, status: 401 });
        }
        throw new Problem('invalid_credentials');
      }
      await throttle.succeeded(admission.attempt);
      const { token, expiresIn } = await tokens.issue({ userId: user.id, username: user.username, role: user.role, tokenVersion: user.tokenVersion });
      return { status: 200, body: { access: token, access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn, role: user.role, user_id: user.id } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/register/',
      operationId: 'register',
      summary: 'Create a customer account and log in',
      tags: TAGS,
      access: { public: 'anyone may open a customer account; staff accounts are not created here' },
      body: { schema: registerRequestSchema },
      responses: { 201: { description: 'Account created', schema: registerResponseSchema } },
      problems: ['conflict'],
    },
    async (req) => {
      const input = req.body;
      const taken = await db.user.findFirst({ where: { OR: [{ username: input.username }, ...(input.email ? [{ email: input.email }] : [])] } });
      if (taken) throw new Problem('conflict', 'That username or email is already registered');
      const user = await db.user.create({
        data: { username: input.username, email: input.email ?? null, passwordHash: await hashPassword(input.password), role: 'customer', wallet: { create: basicLimits() } },
      });
      const { token, expiresIn } = await tokens.issue({ userId: user.id, username: user.username, role: user.role, tokenVersion: user.tokenVersion });
      return { status: 201, body: { id: user.id, username: user.username, role: user.role, access: token, access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn } };
    },
  );
}
