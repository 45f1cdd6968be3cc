import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/**
 * Where the admin bundle lives: beside this module's parent in the source tree (tsx, jest), or
 * copied next to the compiled module (`dist/src/api/admin`, see the build step). The first one
 * that exists wins.
 */
export function adminAssetsDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', 'admin'),
    path.resolve(__dirname, '..', '..', '..', '..', 'src', 'api', 'admin'),
  ];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? (candidates[0] as string);
}

/**
 * `/admin`: a small static page (HTML, one script file, one stylesheet) that signs in with an API
 * key and drives the public `/v1` API from the browser. No secrets are served here and nothing is
 * rendered on the server, so it needs no authentication of its own; helmet's CSP stays on (script
 * files only, `img-src 'self' data:` already covers the QR data URLs).
 */
export function adminRoutes(dir: string = adminAssetsDir()): Router {
  const r = Router();
  // `/admin` → `/admin/` so the page's relative asset URLs resolve under /admin/.
  r.get('/admin', (req, res, next) => {
    const [pathname, search] = req.originalUrl.split('?');
    if (pathname === '/admin') return res.redirect(301, `/admin/${search ? `?${search}` : ''}`);
    next();
  });
  r.use(
    '/admin',
    express.static(dir, {
      index: 'index.html',
      redirect: false,
      fallthrough: true,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-store'),
    }),
  );
  return r;
}
