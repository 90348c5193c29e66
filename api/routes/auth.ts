import { z } from 'zod';
import { roleSchema } from '../auth';
import { type ApiRouter } from '../openapi';
import { ROUTE_PATTERN_LOCAL } from '../problem';
import { logIn, type LogInDeps } from '../use-cases/log-in';
import { registerCustomer, type RegistrationDeps } from '../use-cases/register-customer';

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

// The one answer of every registration, whatever exists: it must not tell who is a customer.
export const REGISTRATION_ACCEPTED = {
  status: 'accepted',
  detail:
    'If the username and the e-mail address were free, the account exists now: sign in with them. If signing in fails, one of them belongs to an account already (its owner is told): register with others, or sign in to the account you have.',
  sign_in: '/api/auth/login/',
} as const;

export const registrationAcceptedSchema = z.object({
  status: z.literal(REGISTRATION_ACCEPTED.status),
  detail: z.literal(REGISTRATION_ACCEPTED.detail),
  sign_in: z.literal(REGISTRATION_ACCEPTED.sign_in).describe('Where to sign in with the username and password'),
});

const TAGS = ['Accounts'];

// Sign-in and registration (api/use-cases/log-in.ts, register-customer.ts).
export function authRoutes(api: ApiRouter, deps: LogInDeps & RegistrationDeps): void {
  api.route(
    {
      method: 'post',
      path: '/login/',
      operationId: 'login',
      summary: 'Exchange a username and password for an access token (HS256 JWT)',
      description:
        'The username compares as accounts compare (Unicode NFKC, case folded: ADMIN signs in as admin). ' +
        'Failed sign-ins are throttled per username (known or not, alike; every spelling of a name counts as that name) and per client address: after KYC_LOGIN_MAX_FAILURES (5) in a row for a name, ' +
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
      const { user, token, expiresIn } = await logIn(deps, { username, password, ip: req.ip ?? 'unknown', method: req.method, route: String(res.locals[ROUTE_PATTERN_LOCAL]) });
      return { status: 200, body: { access: token, access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn, role: user.role, user_id: user.id } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/register/',
      operationId: 'register',
      summary: 'Ask for a customer account; then sign in with POST /api/auth/login/',
      description:
        'The answer is 202 with the same body whether the account was created or the username or e-mail address already belongs to an account, so it tells nobody who is a customer. ' +
        'Usernames and e-mail addresses are compared after Unicode NFKC normalisation and case folding: ADMIN is admin. When either is taken, nothing is created and the security log names the account holding it (registration_conflict), for its owner to be told. ' +
        'Throttled: KYC_REGISTRATION_LIMIT_PER_IP (20) per client address and KYC_REGISTRATION_LIMIT_PER_ADDRESS (5) per username or e-mail address per hour, then 429 with Retry-After.',
      tags: TAGS,
      access: { public: 'anyone may ask for a customer account; staff accounts are not created here' },
      body: { schema: registerRequestSchema, example: { username: 'ada.lovelace', email: 'ada@example.com', password: 'a long password' } },
      responses: { 202: { description: 'Accepted (whether or not an account was created)', schema: registrationAcceptedSchema } },
      problems: ['rate_limited'],
    },
    async (req, res) => {
      await registerCustomer(deps, req.body, { ip: req.ip ?? 'unknown', method: req.method, route: String(res.locals[ROUTE_PATTERN_LOCAL]) });
      return { status: 202, body: REGISTRATION_ACCEPTED };
    },
  );
}
