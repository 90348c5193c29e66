import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { codecAcceptsPlaintext, ConfigError, usesTemporalTls, type Config } from '../domain/config';
import { EncryptionCodec } from './payload-codec';

export type DataConverterConfig = Pick<Config, 'KYC_PAYLOAD_KEYS' | 'NODE_ENV' | 'KYC_CODEC_ACCEPT_PLAINTEXT'>;

export type TemporalConnectionConfig = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_SERVER_NAME'>;

/** What `Connection.connect` (clients) and `NativeConnection.connect` (workers) take to reach the frontend. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
}

// Client and worker must seal payloads the same way, and refuse the same ones (payloads no key of
// the ring sealed, outside development): both take their data converter from here.
export function kycDataConverter(config: DataConverterConfig): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(config.KYC_PAYLOAD_KEYS, { acceptPlaintext: codecAcceptsPlaintext(config) })] };
}

// Every process (API, worker, relay, ops and schedule scripts) reaches Temporal the same way: the
// files are read here, once per connection, so a file that cannot be read stops the process
// naming its variable, before any call is made.
export function temporalConnectionOptions(config: TemporalConnectionConfig): TemporalConnectionOptions {
  if (!usesTemporalTls(config)) return { address: config.TEMPORAL_ADDRESS };
  const read = (name: keyof TemporalConnectionConfig, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  ${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const tls: TLSConfig = {};
  if (config.TEMPORAL_TLS_CA) tls.serverRootCACertificate = read('TEMPORAL_TLS_CA', config.TEMPORAL_TLS_CA);
  if (config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY) tls.clientCertPair = { crt: read('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT), key: read('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY) };
  if (config.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
  return { address: config.TEMPORAL_ADDRESS, tls };
}

export async function connectTemporalClient(config: TemporalConnectionConfig & Pick<Config, 'TEMPORAL_NAMESPACE'> & DataConverterConfig): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: kycDataConverter(config) });
}
