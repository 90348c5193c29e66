import { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { type Config } from '../domain/config';
import { Problem } from './problem';
import { ROLES, STAFF_ROLES as STAFF_ROLE_NAMES } from '../domain/roles';

export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export interface Principal {
  userId: string;
  username: string;
  role: Role;
}

// `ver` is the account's token version when the token was issued.
const claimsSchema = z.object({ sub: z.string().uuid(), username: z.string(), role: roleSchema, ver: z.number().int().min(0) });

// Tokens of an external identity provider (api/external-identity.ts), checked against its JWKS.
export interface ExternalIdentity {
  readonly issuer: string;
  authenticate(token: string): Promise<Principal | null>;
}

/** What a token is checked against on every request: the account as it is now. */
export interface AccountState {
  username: string;
  role: Role;
  isActive: boolean;
  tokenVersion: number;
}

/** The account's current state, or null when it no longer exists. */
export type AccountLookup = (userId: string) => Promise<AccountState | null>;

/** The service account an API key (`kyc_sk_...`) belongs to, or null (unknown, revoked, deactivated). */
export type ServiceKeyLookup = (key: string) => Promise<{ userId: string; username: string } | null>;

const SERVICE_KEY = /^kyc_sk_[A-Za-z0-9_-]{20,100}$/;

export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    private readonly config: Pick<Config, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_TTL_SECONDS'>,
    private readonly accounts: AccountLookup,
    private readonly external?: ExternalIdentity,
    private readonly serviceKeys?: ServiceKeyLookup,
  ) {
    this.key = new TextEncoder().encode(config.JWT_SECRET);
  }

  async issue(principal: Principal & { tokenVersion: number }): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ username: principal.username, role: principal.role, ver: principal.tokenVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.userId)
      .setIssuer(this.config.JWT_ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.config.JWT_TTL_SECONDS}s`)
      .sign(this.key);
    return { token, expiresIn: this.config.JWT_TTL_SECONDS };
  }

  // The (unverified) issuer picks the key and the algorithms; each path then verifies everything,
  // so a token cannot choose a weaker check (an HS256 token never reaches the JWKS path, nor the reverse).
  async verify(token: string): Promise<Principal | null> {
    // Service accounts send their API key where others send a token: it is no JWT and names no issuer.
    if (SERVICE_KEY.test(token)) {
      const account = this.serviceKeys ? await this.serviceKeys(token) : null;
      return account ? { ...account, role: 'service' } : null;
    }
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return null;
    }
    if (this.external && issuer === this.external.issuer) return this.external.authenticate(token);
    if (issuer !== this.config.JWT_ISSUER) return null;
    let claims: z.infer<typeof claimsSchema>;
    try {
      // jose checks `exp` only when a token has one: a token without it would never expire.
      const { payload } = await jwtVerify(token, this.key, { issuer: this.config.JWT_ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] });
      const parsed = claimsSchema.safeParse(payload);
      if (!parsed.success) return null;
      claims = parsed.data;
    } catch {
      return null;
    }
    // The token says who; the account says whether and as what, now.
    const account = await this.accounts(claims.sub);
    if (!account || !account.isActive || account.tokenVersion !== claims.ver) return null;
    return { userId: claims.sub, username: account.username, role: account.role };
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

// Every route declares who may call it: `allow('customer', 'admin')`.
export function allow(tokens: TokenService, ...roles: Role[]): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    const match = header?.match(/^Bearer\s+(.+)$/i);
    if (!match?.[1]) return next(new Problem('unauthorized', 'Send a bearer token: Authorization: Bearer <token>'));
    const principal = await tokens.verify(match[1]);
    if (!principal) return next(new Problem('invalid_token'));
    // Set before the role check, so a refusal is logged with the user it refused.
    req.principal = principal;
    if (!roles.includes(principal.role)) return next(new Problem('forbidden', `This endpoint is not available to the ${principal.role} role`));
    next();
  };
}

export function principalOf(req: Pick<Request, 'principal'>): Principal {
  if (!req.principal) throw new Error('route is missing its allow() guard');
  return req.principal;
}

export const STAFF_ROLES: Role[] = [...STAFF_ROLE_NAMES];
