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
  const resolved = composeConfig({ ENCRYPTION_KEYS: 'k1:AAAA' });
  const services = (resolved.status === 0 ? parse(resolved.stdout).services : {}) as Record<
    string,
    ComposeService
  >;

  it('is a valid Compose file', () => {
    expect(resolved.stderr).toBe('');
    expect(resolved.status).toBe(0);
  });

  it('refuses to start without ENCRYPTION_KEYS', () => {
    const r = composeConfig({});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set ENCRYPTION_KEYS');
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
