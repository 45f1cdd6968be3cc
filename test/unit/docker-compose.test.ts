import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

/**
 * There is no Docker engine on this machine kind: the file is validated by docker-compose itself
 * (`config` resolves and checks it against the Compose schema) and its content is checked here.
 */
const root = path.join(__dirname, '../..');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: Array<{ target: number; published: number | string } | string>;
  depends_on?: Record<string, { condition: string }>;
}

function composeConfig(env: Record<string, string>): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), 'config'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'pipe',
    }).toString();
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: Buffer; stderr: Buffer };
    return { status: err.status, stdout: err.stdout.toString(), stderr: err.stderr.toString() };
  }
}

describe('docker-compose.yml', () => {
  // The Temporal payload codec's keys are required too (issue 15).
  const temporalKeys = { TEMPORAL_PAYLOAD_KEYS: 'p1:BBBB', TEMPORAL_RECIPIENT_HASH_KEY: 'CCCC' };
  const resolved = composeConfig({ ENCRYPTION_KEYS: 'k1:AAAA', ...temporalKeys });
  const services = (resolved.status === 0 ? parse(resolved.stdout).services : {}) as Record<
    string,
    ComposeService
  >;

  it('is a valid Compose file', () => {
    expect(resolved.stderr).toBe('');
    expect(resolved.status).toBe(0);
  });

  it('refuses to start without ENCRYPTION_KEYS', () => {
    const r = composeConfig({ ...temporalKeys });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set ENCRYPTION_KEYS');
  });

  it('refuses to start without the payload codec keys or the Recipient hash key', () => {
    const noPayloadKeys = composeConfig({ ENCRYPTION_KEYS: 'k1:AAAA', TEMPORAL_RECIPIENT_HASH_KEY: 'CCCC' });
    expect(noPayloadKeys.status).not.toBe(0);
    expect(noPayloadKeys.stderr).toContain('set TEMPORAL_PAYLOAD_KEYS');
    const noHashKey = composeConfig({ ENCRYPTION_KEYS: 'k1:AAAA', TEMPORAL_PAYLOAD_KEYS: 'p1:BBBB' });
    expect(noHashKey.status).not.toBe(0);
    expect(noHashKey.stderr).toContain('set TEMPORAL_RECIPIENT_HASH_KEY');
  });

  it('publishes Temporal and its Web UI on loopback only; the API is the only public port', () => {
    const published = (name: string) => (services[name]?.ports ?? []).map((p) => JSON.stringify(p));
    expect(published('temporal')).toEqual(['"127.0.0.1:7233:7233/tcp"']);
    expect(published('temporal-ui')).toEqual(['"127.0.0.1:8080:8080/tcp"']);
    for (const [name, s] of Object.entries(services)) {
      if (name === 'api') continue;
      for (const p of s.ports ?? []) expect(typeof p === 'string' && p.startsWith('127.0.0.1:')).toBe(true);
    }
    // The UI no longer lets the API's origin call it; its codec endpoint is the operator's to set.
    expect(services['temporal-ui']?.environment?.TEMPORAL_CORS_ORIGINS).toBeUndefined();
    expect(services['temporal-ui']?.environment).toHaveProperty('TEMPORAL_CODEC_ENDPOINT');
  });

  it('gives the API and the worker the Temporal connection and codec settings', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name]?.environment ?? {};
      expect(env).toMatchObject({ TEMPORAL_PAYLOAD_KEYS: 'p1:BBBB', TEMPORAL_RECIPIENT_HASH_KEY: 'CCCC' });
      for (const v of [
        'TEMPORAL_TLS',
        'TEMPORAL_TLS_CA_FILE',
        'TEMPORAL_TLS_CERT_FILE',
        'TEMPORAL_TLS_KEY_FILE',
        'TEMPORAL_TLS_SERVER_NAME',
        'TEMPORAL_API_KEY',
        'TEMPORAL_PAYLOAD_ACTIVE_KEY_ID',
        'TEMPORAL_CODEC_TOKEN',
        'TEMPORAL_CODEC_CORS_ORIGINS',
      ])
        expect(env).toHaveProperty(v);
    }
  });

  it('has every service the app needs, on the versions it is built for', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'mongodb', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
    );
    expect(services.mongodb?.image).toBe('mongo:7');
    expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:1\.29/);
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
  });

  it('builds the API and the worker from the Dockerfile and points them at Temporal and MongoDB', () => {
    for (const name of ['api', 'worker']) {
      const s = services[name] as ComposeService;
      expect(s.build).toBeDefined();
      expect(s.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(s.environment?.MONGODB_URI).toMatch(/^mongodb:\/\/mongodb:27017\//);
      expect(s.environment?.ENCRYPTION_KEYS).toBe('k1:AAAA');
      expect(s.depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
    }
    expect(services.worker?.command).toEqual(['node', 'dist/workers/main.js']);
    expect(services.api?.command).toEqual(['node', 'dist/src/api/server.js']);
    expect(JSON.stringify(services.api?.ports)).toContain('3000');
  });

  it('creates every search attribute the code upserts', () => {
    const setup = JSON.stringify(services['temporal-setup']?.command);
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(setup).toContain(key.name);
  });
});
