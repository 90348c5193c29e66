// HMAC-SHA256 signing as Veriff does it: the same function signs our requests and verifies its webhooks.
import crypto from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function signPayload(message: string | Buffer, secret: string): string {
  return crypto.createHmac('sha256', secret).update(message).digest('hex');
}

/** True when `signature` looks like a hex SHA-256 digest (Veriff answers 1812 otherwise). */
export function isSha256Hex(signature: string | undefined): signature is string {
  return typeof signature === 'string' && SHA256_HEX.test(signature);
}

/**
 * Verifies `signature` against the exact raw bytes received. Never pass re-serialised JSON:
 * key order and whitespace would differ from what Veriff signed.
 */
export function verifySignature(rawBody: Buffer | string, signature: string | undefined, secret: string): boolean {
  // An empty secret would make the HMAC trivially forgeable by anyone who guesses the misconfiguration.
  if (secret.length === 0) return false;
  const candidate = signature?.trim();
  if (!isSha256Hex(candidate)) return false;
  // Hex decoding makes the comparison case-insensitive; both buffers are 32 bytes, as timingSafeEqual requires.
  const expected = Buffer.from(signPayload(rawBody, secret), 'hex');
  const received = Buffer.from(candidate, 'hex');
  return received.length === expected.length && crypto.timingSafeEqual(received, expected);
}

/**
 * True when a webhook's X-AUTH-CLIENT is our integration's API key, which Veriff sends with every
 * webhook: a call naming another integration (or none) is refused even when its signature checks
 * out. Compared as digests in constant time, so neither the key's bytes nor its length leak.
 */
export function checkWebhookClient(header: string | undefined, apiKey: string): boolean {
  if (apiKey.length === 0 || header === undefined) return false;
  const expected = crypto.createHash('sha256').update(apiKey).digest();
  const received = crypto.createHash('sha256').update(header.trim()).digest();
  return crypto.timingSafeEqual(received, expected);
}
