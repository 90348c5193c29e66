import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { type Config } from '../domain/config';
import { type Logger } from '../infra/logger';
import { roleSchema, type ExternalIdentity, type Principal, type Role } from './auth';
import { Problem } from './problem';
import { type UserStore } from '../store/users';

// Asymmetric algorithms only: with a public JWKS, accepting HS256 would let anyone holding the
// public key forge tokens.
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const JWKS_TIMEOUT_MS = 5_000;

type ExternalConfig = Pick<Config, 'KYC_JWT_PUBLIC_KEY_URL' | 'KYC_JWT_EXTERNAL_ISSUER' | 'KYC_JWT_EXTERNAL_AUDIENCE' | 'KYC_JWT_EXTERNAL_ROLE_CLAIM'>;

// The role a token claims: a role name or a list holding one. Undefined when the claim is absent;
// 'unknown' when present but naming none of our roles (refused: a typo at the provider must not
// silently downgrade or upgrade anyone).
function claimedRole(payload: JWTPayload, claim: string): Role | undefined | 'unknown' {
  const value = payload[claim];
  if (value === undefined) return undefined;
  const candidates = Array.isArray(value) ? value : [value];
  for (const candidate of candidates) {
    const role = roleSchema.safeParse(candidate);
    if (role.success) return role.data;
  }
  return 'unknown';
}

/**
 * Accepts the tokens of an external identity provider (OIDC, any JWKS publisher) and maps each
 * subject to a local user, created on first sight:
 * - the local user is keyed by (issuer, subject), never by a username or e-mail from the token,
 *   which the provider may let people change;
 * - the role comes from the KYC_JWT_EXTERNAL_ROLE_CLAIM claim when the token has it, and follows
 *   it on every request (the provider is the authority for staff roles, so revoking a role there
 *   takes effect with the next token); without the claim a new user is a customer and an
 *   existing user keeps the role it has here;
 * - the account's creation and every role change go through the user store with their trail
 *   entry, the provider (its issuer) named as the actor and the claim as the reason;
 * - a claim naming no role of ours, or a deactivated local user, is refused.
 */
export function createExternalIdentity(users: UserStore, config: ExternalConfig, logger: Logger): ExternalIdentity | undefined {
  const { KYC_JWT_PUBLIC_KEY_URL: jwksUrl, KYC_JWT_EXTERNAL_ISSUER: issuer, KYC_JWT_EXTERNAL_AUDIENCE: audience, KYC_JWT_EXTERNAL_ROLE_CLAIM: claim } = config;
  if (!jwksUrl || !issuer || !audience) return undefined;
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS });

  const localUser = async (subject: string, role: Role | undefined) => {
    const username = `ext-${createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 24)}`;
    const why = role ? `the ${claim} claim of the identity provider's token names ${role}` : `the identity provider's token has no ${claim} claim: a customer`;
    const user = await users.externalAccount({ issuer, subject, username }, role ?? 'customer', `first sign-in through the identity provider; ${why}`);
    if (!role || user.role === role) return user;
    // The provider decides: none of the rules an admin's change is held to (the last admin, a
    // customer made staff) stands between its claim and the account.
    const followed = await users.changeAccount(user.id, ({ target }) =>
      target.role === role
        ? null
        : { role, isActive: target.isActive, revokesTokens: true, entries: [{ action: 'role_changed', fromRole: target.role, toRole: role }], actor: { provider: issuer }, reason: `the ${claim} claim of the identity provider's token names ${role}` },
    );
    return followed ?? user;
  };

  return {
    issuer,
    async authenticate(token: string): Promise<Principal | null> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ASYMMETRIC_ALGORITHMS, requiredClaims: ['sub', 'exp'] }));
      } catch (err) {
        if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message))) {
          logger.warn('identity provider keys unavailable', { error: err.name });
          throw new Problem('upstream_unavailable', 'The identity provider cannot be reached; retry in a minute');
        }
        return null;
      }
      const role = claimedRole(payload, claim);
      if (role === 'unknown' || !payload.sub || payload.sub.length > 255) return null;
      const user = await localUser(payload.sub, role);
      if (!user.isActive) return null;
      return { userId: user.id, username: user.username, role: user.role };
    },
  };
}
