import { Client, Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { type Config } from '../domain/config';
import { EncryptionCodec } from './payload-codec';

// Client and worker must seal payloads the same way: both take their data converter from here.
export function kycDataConverter(config: Pick<Config, 'KYC_PAYLOAD_KEYS'>): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(config.KYC_PAYLOAD_KEYS)] };
}

export async function connectTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'KYC_PAYLOAD_KEYS'>): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: kycDataConverter(config) });
}
