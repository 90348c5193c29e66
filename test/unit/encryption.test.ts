// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter } from '@temporalio/common';
import { KeyRing, PiiCipher } from '../../infra/crypto';
import { EncryptionCodec, REFUSED_ENCODING } from '../../infra/payload-codec';
import { codecAcceptsPlaintext, codecOffersEncode } from '../../domain/config';

const key = () => randomBytes(32).toString('base64');

describe('PII encryption at rest', () => {
  test('when a value is encrypted, then the ciphertext names its key and hides the plaintext, and decrypts back', () => {
    const cipher = new PiiCipher(new KeyRing([{ id: 'k1', key: key() }]), 'hash-key-for-tests');
    const sealed = cipher.encrypt('BP123456789');
    assert.match(sealed, /^k1\./);
    assert.ok(!sealed.includes('BP123456789'));
    assert.notEqual(cipher.encrypt('BP123456789'), sealed, 'a fresh IV each time');
    assert.equal(cipher.decrypt(sealed), 'BP123456789');
  });

  test('when keys rotate, then old ciphertexts still decrypt and new ones use the new key', () => {
    const k1 = { id: 'k1', key: key() };
    const k2 = { id: 'k2', key: key() };
    const old = new PiiCipher(new KeyRing([k1]), 'h').encrypt('John');
    const rotated = new PiiCipher(new KeyRing([k2, k1]), 'h');
    assert.equal(rotated.decrypt(old), 'John');
    assert.match(rotated.encrypt('John'), /^k2\./);
  });

  test('when a ciphertext is tampered with or its key is unknown, then decryption fails', () => {
    const cipher = new PiiCipher(new KeyRing([{ id: 'k1', key: key() }]), 'h');
    const sealed = cipher.encrypt('Doe');
    // One bit of the ciphertext flipped: the GCM tag no longer matches.
    const [keyId, data] = sealed.split('.') as [string, string];
    const bytes = Buffer.from(data, 'base64url');
    bytes[bytes.length - 1]! ^= 0x01;
    assert.throws(() => cipher.decrypt(`${keyId}.${bytes.toString('base64url')}`), /unable to authenticate data/);
    assert.throws(() => cipher.decrypt(`k9.${sealed.slice(3)}`), /unknown encryption key id "k9"/);
  });

  test('when the same document number is hashed twice, then the keyed hash matches, and differs under another key', () => {
    const a = new PiiCipher(new KeyRing([{ id: 'k1', key: key() }]), 'hash-key-a');
    const b = new PiiCipher(new KeyRing([{ id: 'k1', key: key() }]), 'hash-key-b');
    assert.equal(a.documentHash('BP123456789'), a.documentHash('BP123456789'));
    assert.notEqual(a.documentHash('BP123456789'), a.documentHash('BP123456780'));
    assert.notEqual(a.documentHash('BP123456789'), b.documentHash('BP123456789'));
  });

  test('when a key is not 32 bytes, then the key ring refuses it', () => {
    assert.throws(() => new KeyRing([{ id: 'short', key: Buffer.alloc(16).toString('base64') }]), /must be 32 bytes/);
  });
});

describe('Temporal payload codec', () => {
  const converter = new DefaultPayloadConverter();

  test('when a payload is encoded, then its bytes hold no plaintext and it decodes to the original', async () => {
    const codec = new EncryptionCodec([{ id: 'p1', key: key() }], { acceptPlaintext: false });
    const payload = converter.toPayload({ first_name: 'Johnathan', document_number: 'BP123456789' });
    const [encoded] = await codec.encode([payload]);
    assert.ok(encoded);
    assert.equal(Buffer.from(encoded.metadata!.encoding!).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(encoded.metadata!['encryption-key-id']!).toString(), 'p1');
    assert.ok(!Buffer.from(encoded.data!).toString('latin1').includes('Johnathan'));
    const [decoded] = await codec.decode([encoded]);
    assert.deepEqual(converter.fromPayload(decoded!), { first_name: 'Johnathan', document_number: 'BP123456789' });
  });

  test('when a payload was not encrypted and plaintext is accepted (development), then decode passes it through unchanged', async () => {
    const codec = new EncryptionCodec([{ id: 'p1', key: key() }], { acceptPlaintext: true });
    const plain = converter.toPayload('not secret');
    const [decoded] = await codec.decode([plain]);
    assert.equal(converter.fromPayload(decoded!), 'not secret');
  });

  test('when a payload was not encrypted with a key of the ring and plaintext is refused, then it decodes to a payload no converter reads', async () => {
    const codec = new EncryptionCodec([{ id: 'p1', key: key() }], { acceptPlaintext: false });
    const [decoded] = await codec.decode([converter.toPayload({ decision: 'approve', actorId: 'forged' })]);
    assert.equal(Buffer.from(decoded!.metadata!.encoding!).toString(), REFUSED_ENCODING);
    assert.throws(() => converter.fromPayload(decoded!), /refused-not-encrypted-with-the-payload-key/);
    // Sealed with a key the ring does not hold: not decodable at all.
    const [foreign] = await new EncryptionCodec([{ id: 'p2', key: key() }], { acceptPlaintext: false }).encode([converter.toPayload('x')]);
    await assert.rejects(codec.decode([foreign!]));
  });

  test('the production configuration refuses plaintext payloads and the encode endpoint', () => {
    assert.equal(codecAcceptsPlaintext({ NODE_ENV: 'production', KYC_CODEC_ACCEPT_PLAINTEXT: undefined }), false);
    assert.equal(codecAcceptsPlaintext({ NODE_ENV: 'test', KYC_CODEC_ACCEPT_PLAINTEXT: undefined }), false);
    assert.equal(codecAcceptsPlaintext({ NODE_ENV: 'development', KYC_CODEC_ACCEPT_PLAINTEXT: undefined }), true);
    assert.equal(codecOffersEncode({ NODE_ENV: 'production', KYC_CODEC_ENCODE: undefined }), false);
  });
});
