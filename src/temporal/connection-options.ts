import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, type Config } from '../config/env';

/**
 * How every process of ours reaches Temporal (issue 15): address, TLS (CA, server name), mTLS
 * (client certificate and key), Temporal Cloud's API key. One builder for the API's and the
 * worker's `Connection.connect` and the worker's `NativeConnection.connect`, which take the same
 * three fields. Files are read once here, at start: a missing or unreadable file, or a certificate
 * without its key, stops the process with one line naming the variable.
 */
export interface TemporalConnectionOptions {
  address: string;
  /** `false`: plain gRPC; an object: TLS (an empty object = TLS with the system's CAs). */
  tls: TLSConfig | false;
  /** Sent as `Authorization: Bearer <key>` on every call (Temporal Cloud API keys). */
  apiKey?: string;
}

export type TemporalConnectionConfig = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CA_FILE'
  | 'TEMPORAL_TLS_CERT_FILE'
  | 'TEMPORAL_TLS_KEY_FILE'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

export function temporalConnectionOptions(config: TemporalConnectionConfig): TemporalConnectionOptions {
  const certFile = config.TEMPORAL_TLS_CERT_FILE;
  const keyFile = config.TEMPORAL_TLS_KEY_FILE;
  if (certFile && !keyFile) fail('TEMPORAL_TLS_KEY_FILE', 'is required when TEMPORAL_TLS_CERT_FILE is set');
  if (keyFile && !certFile) fail('TEMPORAL_TLS_CERT_FILE', 'is required when TEMPORAL_TLS_KEY_FILE is set');
  const tlsSettings = [
    config.TEMPORAL_TLS_CA_FILE && 'TEMPORAL_TLS_CA_FILE',
    certFile && 'TEMPORAL_TLS_CERT_FILE',
    config.TEMPORAL_TLS_SERVER_NAME && 'TEMPORAL_TLS_SERVER_NAME',
    config.TEMPORAL_API_KEY && 'TEMPORAL_API_KEY',
  ].filter((name): name is string => Boolean(name));
  // Unset: TLS as soon as anything TLS-shaped (or an API key, which must never travel in clear) is given.
  const useTls = config.TEMPORAL_TLS ?? tlsSettings.length > 0;
  if (!useTls) {
    if (tlsSettings.length > 0) fail('TEMPORAL_TLS', `is false but ${tlsSettings.join(', ')} need TLS`);
    return { address: config.TEMPORAL_ADDRESS, tls: false };
  }
  const tls: TLSConfig = {};
  if (config.TEMPORAL_TLS_CA_FILE)
    tls.serverRootCACertificate = read('TEMPORAL_TLS_CA_FILE', config.TEMPORAL_TLS_CA_FILE);
  if (certFile && keyFile)
    tls.clientCertPair = {
      crt: read('TEMPORAL_TLS_CERT_FILE', certFile),
      key: read('TEMPORAL_TLS_KEY_FILE', keyFile),
    };
  if (config.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
  return {
    address: config.TEMPORAL_ADDRESS,
    tls,
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}

function read(variable: string, file: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    fail(variable, `cannot read ${file} (${code})`);
  }
  if (content.length === 0) fail(variable, `${file} is empty`);
  return content;
}

function fail(variable: string, rule: string): never {
  throw new ConfigError(`Invalid configuration: ${variable}: ${rule}`);
}

/** For a process entry point: the options, or the one line naming the variable and exit 1. */
export function temporalConnectionOptionsOrExit(config: TemporalConnectionConfig): TemporalConnectionOptions {
  try {
    return temporalConnectionOptions(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
