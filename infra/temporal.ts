import { Client, Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { codecAcceptsPlaintext, type Config } from '../domain/config';
import { EncryptionCodec } from './payload-codec';

export type DataConverterConfig = Pick<Config, 'KYC_PAYLOAD_KEYS' | 'NODE_ENV' | 'KYC_CODEC_ACCEPT_PLAINTEXT'>;

// Client and worker must seal payloads the same way, and refuse the same ones (payloads no key of
// the ring sealed, outside development): both take their data converter from here.
export function kycDataConverter(config: DataConverterConfig): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(config.KYC_PAYLOAD_KEYS, { acceptPlaintext: codecAcceptsPlaintext(config) })] };
}

export async function connectTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & DataConverterConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: kycDataConverter(config) });
}
