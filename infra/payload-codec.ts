import { type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KeyRing, type KeyEntry } from './crypto';

// Encrypts every workflow and activity payload before it reaches the Temporal server, so the
// history holds no PII in clear. Each payload names the key that sealed it, so keys can rotate.
const ENCODING = 'binary/encrypted';
const METADATA_ENCODING_KEY = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';

export class EncryptionCodec implements PayloadCodec {
  private readonly ring: KeyRing;

  constructor(keys: readonly KeyEntry[]) {
    this.ring = new KeyRing(keys);
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
      if (!encoding || Buffer.from(encoding).toString() !== ENCODING) return payload;
      const keyId = payload.metadata?.[METADATA_KEY_ID];
      if (!keyId || !payload.data) throw new Error('encrypted payload without key id or data');
      const clear = this.ring.decrypt(Buffer.from(keyId).toString(), Buffer.from(payload.data));
      return temporal.api.common.v1.Payload.decode(clear);
    });
  }
}
