import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema, loadConfig, ConfigError } from '../../src/config/env';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('applies defaults and parses the keyring', () => {
    const c = loadConfig({ ENCRYPTION_KEYS: `k1:${KEY}` });
    expect(c.PORT).toBe(3000);
    expect(c.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(c.MONGODB_MAX_POOL_SIZE).toBe(10);
    expect(c.ENCRYPTION_KEYS.get('k1')).toEqual(Buffer.alloc(32, 7));
  });

  it('treats an empty value as unset (compose `${VAR:-}`), so the default applies', () => {
    const c = loadConfig({ ENCRYPTION_KEYS: `k1:${KEY}`, PORT: '', TEMPORAL_ADDRESS: '' });
    expect(c.PORT).toBe(3000);
    expect(c.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(() => loadConfig({ ENCRYPTION_KEYS: '' })).toThrow('ENCRYPTION_KEYS: is required');
  });

  it('names a missing variable and says it is required', () => {
    expect(() => loadConfig({})).toThrow(
      new ConfigError('Invalid configuration: ENCRYPTION_KEYS: is required'),
    );
  });

  it('names each wrong variable with its rule, on one line', () => {
    let message = '';
    try {
      loadConfig({ ENCRYPTION_KEYS: 'k1:short', PORT: '70000', MONGODB_URI: 'http://x' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('\n');
    expect(message).toMatch(/PORT: /);
    expect(message).toMatch(/MONGODB_URI: must be a mongodb:\/\/ or mongodb\+srv:\/\/ URI/);
    expect(message).toMatch(
      /ENCRYPTION_KEYS: must be a comma-separated list of <keyId>:<base64 of 32 bytes>/,
    );
  });

  it('rejects an active key id that is not in the ring', () => {
    expect(() => loadConfig({ ENCRYPTION_KEYS: `k1:${KEY}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' })).toThrow(
      /ENCRYPTION_ACTIVE_KEY_ID: must name a key id present in ENCRYPTION_KEYS/,
    );
  });

  it('.env.example documents every variable the schema reads', () => {
    const example = readFileSync(path.join(__dirname, '../../.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    for (const name of Object.keys(envSchema.shape)) expect(documented).toContain(name);
  });
});
