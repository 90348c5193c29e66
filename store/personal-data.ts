import { openAesGcm, sealAesGcm, type PiiCipher } from '../infra/crypto';
import { type DataKey, type KeyPurpose, SubjectErased, type SubjectKeyStore } from './subject-keys';

// Personal data sealed with its subject's data key (crypto-shredding): the one way the store
// encrypts anything held about a customer, and the one way other stores adopt it:
//
//   const sealed = await personalData.seal(customerId, 'Jane');          // text  -> "pd1.<key id>.<base64url>"
//   const image  = await personalData.seal(customerId, jpegBytes);       // bytes -> Buffer "PD1\0" | key id | iv | tag | ciphertext
//   const clear  = await personalData.open(customerId, sealed);          // throws SubjectErased once the key is destroyed
//
// A sealed value names its data key and is bound to its subject (the subject id is associated
// data): it opens for that subject only. Text written before subject keys existed is service-key
// ciphertext ("<ring key id>.<base64url>", two parts where a sealed value has three): `open` still
// reads it, and the key rotation workflow re-seals it under the subject's key.

export { SubjectErased, type KeyPurpose } from './subject-keys';

const TEXT_PREFIX = 'pd1';
const BINARY_MAGIC = Buffer.from('PD1\0', 'latin1');
const KEY_ID_BYTES = 16;

const sealingContext = (keyId: string, subjectId: string) => Buffer.from(`personal-data|${keyId}|${subjectId}`);
const uuidToBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex');
const uuidFromBytes = (bytes: Buffer) => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

// Unwrapped keys are kept this long per process: a verification reads a handful of columns at a
// time. A destroyed key can outlive its destruction in another process's cache by as much (the
// process that destroys it forgets it at once), never in the key store.
const DEFAULT_CACHE_MS = 5_000;
const CACHE_LIMIT = 10_000;

export class PersonalData {
  private readonly byId = new Map<string, { key: DataKey; expiresAt: number }>();
  private readonly currentIds = new Map<string, string>();

  constructor(
    readonly keys: SubjectKeyStore,
    private readonly legacy: PiiCipher,
    private readonly cacheMs = DEFAULT_CACHE_MS,
  ) {}

  /** Whether a sealed text is service-key ciphertext from before subject keys (the key rotation workflow re-seals it). */
  static isServiceKeyCiphertext(sealed: string): boolean {
    return sealed.split('.').length === 2;
  }

  seal(subjectId: string, value: string, purpose?: KeyPurpose): Promise<string>;
  seal(subjectId: string, value: Uint8Array, purpose?: KeyPurpose): Promise<Buffer>;
  async seal(subjectId: string, value: string | Uint8Array, purpose: KeyPurpose = 'personal'): Promise<string | Buffer> {
    const key = await this.currentKey(subjectId, purpose);
    const data = sealAesGcm(key.key, typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value), sealingContext(key.id, subjectId));
    return typeof value === 'string' ? `${TEXT_PREFIX}.${key.id}.${data.toString('base64url')}` : Buffer.concat([BINARY_MAGIC, uuidToBytes(key.id), data]);
  }

  open(subjectId: string, sealed: string): Promise<string>;
  open(subjectId: string, sealed: Uint8Array): Promise<Buffer>;
  async open(subjectId: string, sealed: string | Uint8Array): Promise<string | Buffer> {
    if (typeof sealed === 'string') {
      if (PersonalData.isServiceKeyCiphertext(sealed)) return this.legacy.decrypt(sealed);
      const [prefix, keyId, body] = sealed.split('.');
      if (prefix !== TEXT_PREFIX || !keyId || body === undefined) throw new Error('not a sealed personal-data value');
      const key = await this.keyFor(keyId, subjectId);
      return openAesGcm(key.key, Buffer.from(body, 'base64url'), sealingContext(key.id, subjectId)).toString('utf8');
    }
    const bytes = Buffer.from(sealed);
    if (bytes.length < BINARY_MAGIC.length + KEY_ID_BYTES || !bytes.subarray(0, BINARY_MAGIC.length).equals(BINARY_MAGIC)) throw new Error('not sealed personal-data bytes');
    const key = await this.keyFor(uuidFromBytes(bytes.subarray(BINARY_MAGIC.length, BINARY_MAGIC.length + KEY_ID_BYTES)), subjectId);
    return openAesGcm(key.key, bytes.subarray(BINARY_MAGIC.length + KEY_ID_BYTES), sealingContext(key.id, subjectId));
  }

  async sealJson(subjectId: string, value: unknown, purpose: KeyPurpose = 'personal'): Promise<string> {
    return this.seal(subjectId, JSON.stringify(value), purpose);
  }

  async openJson<T>(subjectId: string, sealed: string): Promise<T> {
    return JSON.parse(await this.open(subjectId, sealed)) as T;
  }

  /** The same value sealed under the subject's key of another purpose (a restriction moves kept data to the `retained` key). */
  async reseal(subjectId: string, sealed: string, purpose: KeyPurpose): Promise<string> {
    return this.seal(subjectId, await this.open(subjectId, sealed), purpose);
  }

  /** Destroys the subject's keys of these purposes: what they sealed is unreadable everywhere, backups included. */
  async destroy(subjectId: string, purposes: readonly KeyPurpose[]): Promise<void> {
    this.forget(subjectId);
    await this.keys.destroy(subjectId, purposes);
  }

  /** Drops the subject's keys from this process's cache. */
  forget(subjectId: string): void {
    for (const [id, entry] of this.byId) if (entry.key.subjectId === subjectId) this.byId.delete(id);
    for (const key of [...this.currentIds.keys()]) if (key.endsWith(`|${subjectId}`)) this.currentIds.delete(key);
  }

  private remember(key: DataKey): DataKey {
    if (this.byId.size >= CACHE_LIMIT) {
      this.byId.clear();
      this.currentIds.clear();
    }
    this.byId.set(key.id, { key, expiresAt: Date.now() + this.cacheMs });
    return key;
  }

  private cached(id: string): DataKey | null {
    const entry = this.byId.get(id);
    if (!entry) return null;
    if (entry.expiresAt > Date.now()) return entry.key;
    this.byId.delete(id);
    return null;
  }

  private async currentKey(subjectId: string, purpose: KeyPurpose): Promise<DataKey> {
    const slot = `${purpose}|${subjectId}`;
    const id = this.currentIds.get(slot);
    const hit = id ? this.cached(id) : null;
    if (hit) return hit;
    const key = await this.keys.current(subjectId, purpose);
    this.currentIds.set(slot, key.id);
    return this.remember(key);
  }

  private async keyFor(keyId: string, subjectId: string): Promise<DataKey> {
    let key: DataKey;
    try {
      key = this.cached(keyId) ?? this.remember(await this.keys.byId(keyId));
    } catch (err) {
      // A destroyed key is news to its own subject only.
      if (err instanceof SubjectErased && err.subjectId !== subjectId) throw new Error('this value was sealed for another subject');
      throw err;
    }
    if (key.subjectId !== subjectId) throw new Error('this value was sealed for another subject');
    return key;
  }
}
