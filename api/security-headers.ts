import { type RequestHandler } from 'express';
import { type Config } from '../domain/config';

// Headers every answer carries, pages and JSON alike (web/router.ts sets stricter ones on pages).

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The Strict-Transport-Security value, or null for none. On by default in production: browsers
 * ignore the header over plain http, so it is safe behind a proxy that terminates TLS; KYC_HSTS=off
 * leaves it to a proxy that sets its own, a number sets max-age (0 tells browsers to forget it).
 */
export function hstsValue(config: Pick<Config, 'NODE_ENV' | 'KYC_HSTS'>): string | null {
  const setting = config.KYC_HSTS ?? (config.NODE_ENV === 'production' ? 'on' : 'off');
  if (setting === 'off') return null;
  return `max-age=${setting === 'on' ? ONE_YEAR_SECONDS : Number(setting)}`;
}

export function securityHeaders(config: Pick<Config, 'NODE_ENV' | 'KYC_HSTS'>): RequestHandler {
  const hsts = hstsValue(config);
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // API answers and /docs link nowhere that should learn our URLs (ids sit in paths).
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (hsts) res.setHeader('Strict-Transport-Security', hsts);
    next();
  };
}
