// How strong a configured secret or key is, judged by its value (production refuses weak ones,
// domain/config.ts). Pure functions: no I/O, no configuration.

export const MIN_SECRET_LENGTH = 32;
// Bits per character of the secret's own character frequencies. Random base64 of 32 bytes scores
// about 4.9, random hex about 3.6-3.8, a UUID about 3.7; a repeated word or letter scores below 3.
export const MIN_SECRET_ENTROPY_BITS_PER_CHAR = 3;
export const KEY_BYTES = 32;
// 32 random bytes hold about 30 different values; fewer than 16 happens by chance far less than
// once in 2^64 draws, so it means a pattern (repeated or counted bytes).
const MIN_DISTINCT_KEY_BYTES = 16;
// Printable ASCII is 95 of 256 byte values: 32 random bytes are all printable with a chance of
// about 2^-46. All-printable bytes mean a passphrase was base64-encoded, not random bytes drawn.
const isPrintableAscii = (byte: number) => byte >= 0x20 && byte <= 0x7e;

/** Shannon entropy of the text's own character frequencies, in bits per character. */
export function shannonEntropyPerChar(text: string): number {
  const characters = [...text];
  if (characters.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Why a shared secret is too weak for production, or null when it is strong enough. */
export function weakSecretReason(secret: string): string | null {
  if ([...secret].length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters (generate one: openssl rand -base64 32)`;
  const entropy = shannonEntropyPerChar(secret);
  if (entropy < MIN_SECRET_ENTROPY_BITS_PER_CHAR) {
    return `is too predictable (${entropy.toFixed(2)} bits per character, at least ${MIN_SECRET_ENTROPY_BITS_PER_CHAR} required: generate one with openssl rand -base64 32)`;
  }
  return null;
}

/** Why a 32-byte encryption key does not look randomly drawn, or null when it does. */
export function weakKeyReason(key: Uint8Array): string | null {
  if (key.length !== KEY_BYTES) return `must be ${KEY_BYTES} bytes, got ${key.length}`;
  if (new Set(key).size < MIN_DISTINCT_KEY_BYTES) return 'repeats its bytes: it is not random (generate one: openssl rand -base64 32)';
  if (key.every(isPrintableAscii)) return 'is encoded text, not random bytes (generate one: openssl rand -base64 32)';
  return null;
}
