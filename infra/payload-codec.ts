import { type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KeyRing, type KeyEntry } from './crypto';

// Encrypts every workflow and activity payload before it reaches the Temporal server, so the
// history holds no PII in clear. Each payload names the key that sealed it, so keys can rotate.
//
// Decoding is also the gate on what a worker trusts: the authenticated encryption proves that a
// holder of the payload key (the API, the workers) wrote the payload. A payload sealed with no key
// of the ring (plain JSON from the Temporal CLI or UI, or from anyone else who reaches Temporal) is
// refused unless acceptPlaintext (development only): it decodes to a payload of an encoding no
// converter reads, so an update carrying it is rejected before its validator runs and a signal or
// start carrying it fails its workflow task, visibly, without changing anything.
const ENCODING = 'binary/encrypted';
/** The encoding a refused payload decodes to: named in the error the converter raises. */
export const REFUSED_ENCODING = 'binary/refused-not-encrypted-with-the-payload-key';
const METADATA_ENCODING_KEY = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';

export class EncryptionCodec implements PayloadCodec {
  private readonly ring: KeyRing;
  private readonly acceptPlaintext: boolean;

  constructor(keys: readonly KeyEntry[], options: { acceptPlaintext: boolean }) {
    this.ring = new KeyRing(keys);
    this.acceptPlaintext = options.acceptPlaintext;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { keyId, data } = this.ring.encrypt(Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()));
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCODING),
          [METADATA_KEY_ID]: Buffer.from(keyId),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCODING) {
        return this.acceptPlaintext ? payload : { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(REFUSED_ENCODING) }, data: new Uint8Array() };
      }
      const keyId = payload.metadata?.[METADATA_KEY_ID];
      if (!keyId || !payload.data) throw new Error('encrypted payload without key id or data');
      const clear = this.ring.decrypt(Buffer.from(keyId).toString(), Buffer.from(payload.data));
      return temporal.api.common.v1.Payload.decode(clear);
    });
  }
}
