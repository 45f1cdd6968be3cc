import request from 'supertest';
import type { AppDeps } from '../../src/api/app';
import { loadConfig } from '../../src/config/env';
import type { Express } from 'express';
import { useInfra } from '../fixtures/infra';

/**
 * HSTS and upgrade-insecure-requests only over HTTPS (issue 12): over plain HTTP they send the
 * browser to an https that does not exist. The pages themselves in a browser under a host name:
 * test/e2e/plain-http-host.e2e.test.ts.
 */
const PAGES = ['/admin/', '/signup/', '/docs', '/healthz'];
const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

describe('security headers over HTTP and HTTPS', () => {
  const infra = useInfra({ queue: 'headers' });
  const app = (transport?: AppDeps['transport']) => infra.app(transport ? { transport } : {});

  const headersOf = async (a: ReturnType<typeof app>, page: string, forwardedProto?: string) => {
    const req = request(a).get(page);
    if (forwardedProto) void req.set('X-Forwarded-Proto', forwardedProto);
    const res = await req;
    expect(res.status).toBe(200);
    return {
      hsts: res.headers['strict-transport-security'] as string | undefined,
      csp: res.headers['content-security-policy'] as string,
    };
  };

  it.each(PAGES)('%s over plain HTTP (the default): no HSTS, no upgrade-insecure-requests', async (page) => {
    const { hsts, csp } = await headersOf(app(), page);
    expect(hsts).toBeUndefined();
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('the signup page keeps its own CSP additions over plain HTTP', async () => {
    const { csp } = await headersOf(app(), '/signup/');
    expect(csp).toContain("script-src 'self' https://connect.facebook.net");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it.each(PAGES)('%s with HTTPS_ONLY: HSTS and upgrade-insecure-requests', async (page) => {
    const { hsts, csp } = await headersOf(app({ httpsOnly: true, trustProxy: false }), page);
    expect(hsts).toBe('max-age=31536000; includeSubDomains');
    expect(csp).toContain('upgrade-insecure-requests');
    expect(csp).toContain("default-src 'self'");
  });

  it.each(PAGES)(
    '%s behind a trusted proxy that says https: HSTS and upgrade-insecure-requests',
    async (page) => {
      const { hsts, csp } = await headersOf(app({ httpsOnly: false, trustProxy: 'loopback' }), page, 'https');
      expect(hsts).toBe('max-age=31536000; includeSubDomains');
      expect(csp).toContain('upgrade-insecure-requests');
    },
  );

  it('the signup page keeps its own CSP additions over HTTPS', async () => {
    const { csp } = await headersOf(app({ httpsOnly: false, trustProxy: true }), '/signup/', 'https');
    expect(csp).toContain("script-src 'self' https://connect.facebook.net");
    expect(csp).toContain('upgrade-insecure-requests');
  });

  it('X-Forwarded-Proto counts only from a trusted proxy', async () => {
    for (const transport of [undefined, { httpsOnly: false, trustProxy: '10.0.0.1' }]) {
      const { hsts, csp } = await headersOf(app(transport), '/admin/', 'https');
      expect(hsts).toBeUndefined();
      expect(csp).not.toContain('upgrade-insecure-requests');
    }
    const behindHttp = await headersOf(app({ httpsOnly: false, trustProxy: true }), '/admin/', 'http');
    expect(behindHttp.hsts).toBeUndefined();
  });
});

describe('Cross-Origin-Opener-Policy only where the browser honours it', () => {
  const infra = useInfra({ queue: 'coop' });
  let app: Express;
  beforeAll(() => {
    app = infra.app();
  });
  const coop = async (page: string, host: string) =>
    (await request(app).get(page).set('Host', host).expect(200)).headers['cross-origin-opener-policy'];

  it('on loopback names over HTTP (secure origins to a browser), as before', async () => {
    expect(await coop('/admin/', 'localhost:3000')).toBe('same-origin');
    expect(await coop('/admin/', '127.0.0.1:3000')).toBe('same-origin');
    expect(await coop('/signup/', 'localhost:3000')).toBe('same-origin-allow-popups');
  });

  it('not over plain HTTP under another name, where the browser ignores it with a console error', async () => {
    expect(await coop('/admin/', 'dw-admin.test:3000')).toBeUndefined();
    expect(await coop('/signup/', '192.168.1.20:3000')).toBeUndefined();
  });
});

describe('HTTPS_ONLY and TRUST_PROXY settings', () => {
  const parse = (env: Record<string, string>) => loadConfig({ ENCRYPTION_KEYS: KEYS, ...env });

  it('default to plain HTTP allowed and no proxy trusted', () => {
    expect(parse({})).toMatchObject({ HTTPS_ONLY: false, TRUST_PROXY: false });
  });

  it('read true/false, a hop count, or proxy addresses as Express takes them', () => {
    expect(parse({ HTTPS_ONLY: 'true', TRUST_PROXY: 'true' })).toMatchObject({
      HTTPS_ONLY: true,
      TRUST_PROXY: true,
    });
    expect(parse({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parse({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
    expect(() => parse({ HTTPS_ONLY: 'yes' })).toThrow(/HTTPS_ONLY/);
  });
});
