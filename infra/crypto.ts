import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

// AES-256-GCM with a key ring: the first key encrypts, every key decrypts, and each ciphertext
// names its key so keys can rotate without rewriting old rows.
// Text format: "<keyId>.<base64url(iv | tag | ciphertext)>".

export interface KeyEntry {
  id: string;
  key: string; // base64 of 32 bytes
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class KeyRing {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(entries: readonly KeyEntry[]) {
    if (entries.length === 0) throw new Error('a key ring needs at least one key');
    for (const entry of entries) {
      const key = Buffer.from(entry.key, 'base64');
      if (key.length !== 32) throw new Error(`key ${entry.id} must be 32 bytes (base64), got ${key.length}`);
      this.keys.set(entry.id, key);
    }
    this.currentKeyId = entries[0]!.id;
  }

  /** The ids of the keys in the ring, the current one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** `aad` binds the ciphertext to its context (e.g. the row it belongs to): elsewhere it does not decrypt. */
  encrypt(plaintext: Buffer, aad?: Buffer): { keyId: string; data: Buffer } {
    return { keyId: this.currentKeyId, data: sealAesGcm(this.keys.get(this.currentKeyId)!, plaintext, aad) };
  }

  decrypt(keyId: string, data: Buffer, aad?: Buffer): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`unknown encryption key id "${keyId}"`);
    return openAesGcm(key, data, aad);
  }
}

/** AES-256-GCM: iv | tag | ciphertext. */
export function sealAesGcm(key: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function openAesGcm(key: Buffer, data: Buffer, aad?: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

// The service-key cipher: webhook subscription secrets, and personal data written before data
// keys of subjects existed (read until the key rotation workflow re-seals it, store/personal-data.ts).
export class PiiCipher {
  constructor(
    readonly ring: KeyRing,
    private readonly hashKey: string,
  ) {}

  encrypt(plaintext: string): string {
    const { keyId, data } = this.ring.encrypt(Buffer.from(plaintext, 'utf8'));
    return `${keyId}.${data.toString('base64url')}`;
  }

  /** The ring key a ciphertext of this cipher names (its text before the dot). */
  static keyIdOf(ciphertext: string): string {
    return ciphertext.slice(0, ciphertext.indexOf('.'));
  }

  decrypt(ciphertext: string): string {
    const dot = ciphertext.indexOf('.');
    if (dot < 1) throw new Error('not a PII ciphertext');
    return this.ring.decrypt(ciphertext.slice(0, dot), Buffer.from(ciphertext.slice(dot + 1), 'base64url')).toString('utf8');
  }

  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson<T>(ciphertext: string): T {
    return JSON.parse(this.decrypt(ciphertext)) as T;
  }

  // Binary form, for bytea columns (document images): <key id length><key id><iv | tag | ciphertext>.
  encryptBytes(plaintext: Buffer): Buffer {
    const { keyId, data } = this.ring.encrypt(plaintext);
    const id = Buffer.from(keyId, 'utf8');
    return Buffer.concat([Buffer.from([id.length]), id, data]);
  }

  decryptBytes(ciphertext: Buffer): Buffer {
    const idLength = ciphertext[0];
    if (!idLength || ciphertext.length < 1 + idLength) throw new Error('not binary PII ciphertext');
    return this.ring.decrypt(ciphertext.subarray(1, 1 + idLength).toString('utf8'), ciphertext.subarray(1 + idLength));
  }

  // Keyed so that a leaked table cannot be matched against a list of document numbers.
  documentHash(documentNumber: string): string {
    return createHmac('sha256', this.hashKey).update(documentNumber).digest('hex');
  }

  // The identities a customer was screened under (domain/screening.ts canonicalIdentity): a
  // clearance is bound to it without the screening tables holding names or birth dates.
  identityHash(canonicalIdentity: string): string {
    return createHmac('sha256', this.hashKey).update(canonicalIdentity).digest('hex');
  }

  // The same for file contents: finds a file uploaded twice without letting anyone test a known image against the table.
  contentHash(content: Buffer): string {
    return createHmac('sha256', this.hashKey).update(content).digest('hex');
  }
}
