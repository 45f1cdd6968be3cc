import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { adminAssetsDir } from '../../src/api/routes/admin.routes';
import type { Express } from 'express';
import { useInfra } from '../fixtures/infra';

/** The admin page's static serving under helmet's CSP (the browser flow is test/e2e/admin.e2e.test.ts). */
describe('GET /admin (static admin page)', () => {
  const infra = useInfra({ queue: 'admin' });
  let app: Express;
  beforeAll(() => {
    app = infra.app();
  });

  it('redirects /admin to /admin/ (keeping the query) so relative asset URLs resolve', async () => {
    expect((await request(app).get('/admin').expect(301)).headers.location).toBe('/admin/');
    expect((await request(app).get('/admin?x=1').expect(301)).headers.location).toBe('/admin/?x=1');
  });

  it('serves the page and its files without an API key, uncached, under a CSP with no inline script', async () => {
    const page = await request(app).get('/admin/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("img-src 'self' data:");
    expect(page.text).toContain('<script type="module" src="admin.js"></script>');
    for (const file of [
      'admin.js',
      'admin-core.js',
      'admin-sessions.js',
      'admin-links.js',
      'admin-broadcasts.js',
      'admin-csv.js',
      'admin.css',
    ]) {
      const res = await request(app).get(`/admin/${file}`).expect(200);
      expect(res.headers['content-type']).toMatch(
        file.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/,
      );
    }
  });

  it('has no inline scripts or event-handler attributes (the CSP would block them)', () => {
    const html = readFileSync(path.join(adminAssetsDir(), 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('answers the usual JSON 404 for a file that is not there, and keeps /v1 behind the key', async () => {
    const res = await request(app).get('/admin/nope.js').expect(404);
    expect(res.body.error.code).toBe('route_not_found');
    await request(app).get('/v1/sessions').expect(401);
  });
});
