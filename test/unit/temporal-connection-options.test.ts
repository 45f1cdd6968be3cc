import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/env';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-tls-opts-'));
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const ca = file('ca.pem', 'CA PEM');
const crt = file('client.pem', 'CLIENT CERT');
const key = file('client.key', 'CLIENT KEY');
const base = { ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };
const optionsFor = (env: Record<string, string>) =>
  temporalConnectionOptions(loadConfig({ ...base, ...env }));

describe('Temporal connection options from config', () => {
  it('plain gRPC by default', () => {
    expect(optionsFor({})).toEqual({ address: '127.0.0.1:7233', tls: false });
  });

  it('TLS with the CA and server name, mTLS with the client pair, read from the files', () => {
    const o = optionsFor({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CA_FILE: ca,
      TEMPORAL_TLS_CERT_FILE: crt,
      TEMPORAL_TLS_KEY_FILE: key,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
    });
    expect(o.address).toBe('temporal.internal:7233');
    expect(o.tls && Buffer.from(o.tls.serverRootCACertificate!).toString()).toBe('CA PEM');
    expect(o.tls && Buffer.from(o.tls.clientCertPair!.crt).toString()).toBe('CLIENT CERT');
    expect(o.tls && Buffer.from(o.tls.clientCertPair!.key).toString()).toBe('CLIENT KEY');
    expect(o.tls && o.tls.serverNameOverride).toBe('frontend.temporal');
  });

  it('an API key (Temporal Cloud) turns TLS on with the system CAs', () => {
    expect(
      optionsFor({ TEMPORAL_API_KEY: 'cloud-key', TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' }),
    ).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: {},
      apiKey: 'cloud-key',
    });
    expect(optionsFor({ TEMPORAL_TLS: 'true' })).toEqual({ address: '127.0.0.1:7233', tls: {} });
  });

  it('refuses with one line naming the variable: a missing file, a certificate without its key, TLS off with TLS settings', () => {
    expect(() => optionsFor({ TEMPORAL_TLS_CA_FILE: path.join(dir, 'nope.pem') })).toThrow(
      /^Invalid configuration: TEMPORAL_TLS_CA_FILE: cannot read .*nope\.pem \(ENOENT\)$/,
    );
    expect(() => optionsFor({ TEMPORAL_TLS_CERT_FILE: crt })).toThrow(
      'Invalid configuration: TEMPORAL_TLS_KEY_FILE: is required when TEMPORAL_TLS_CERT_FILE is set',
    );
    expect(() => optionsFor({ TEMPORAL_TLS_KEY_FILE: key })).toThrow(
      'Invalid configuration: TEMPORAL_TLS_CERT_FILE: is required when TEMPORAL_TLS_KEY_FILE is set',
    );
    expect(() =>
      optionsFor({ TEMPORAL_TLS_CERT_FILE: crt, TEMPORAL_TLS_KEY_FILE: file('empty.key', '') }),
    ).toThrow(/TEMPORAL_TLS_KEY_FILE: .*empty\.key is empty/);
    expect(() => optionsFor({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toThrow(
      'Invalid configuration: TEMPORAL_TLS: is false but TEMPORAL_API_KEY need TLS',
    );
  });

  it('payload keys: the active id must be in the ring', () => {
    const ring = `p1:${Buffer.alloc(32, 2).toString('base64')}`;
    expect(loadConfig({ ...base, TEMPORAL_PAYLOAD_KEYS: ring }).TEMPORAL_PAYLOAD_KEYS?.has('p1')).toBe(true);
    expect(() =>
      loadConfig({ ...base, TEMPORAL_PAYLOAD_KEYS: ring, TEMPORAL_PAYLOAD_ACTIVE_KEY_ID: 'p2' }),
    ).toThrow(/TEMPORAL_PAYLOAD_ACTIVE_KEY_ID: must name a key id present in TEMPORAL_PAYLOAD_KEYS/);
    expect(() => loadConfig({ ...base, TEMPORAL_PAYLOAD_KEYS: 'p1:short' })).toThrow(
      /TEMPORAL_PAYLOAD_KEYS: must be/,
    );
    expect(() => loadConfig({ ...base, TEMPORAL_RECIPIENT_HASH_KEY: 'c2hvcnQ=' })).toThrow(
      /TEMPORAL_RECIPIENT_HASH_KEY: must be the base64 of at least 32 bytes/,
    );
  });
});
