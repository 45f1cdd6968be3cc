import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Application } from 'express';
import { buildOpenApiDocument, type OpenApiDocument } from '../openapi/document';

/** The docs page's files: in the source tree (tsx, jest) or copied beside the compiled module (build step). */
export function docsAssetsDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', 'docs'),
    path.resolve(__dirname, '..', '..', '..', '..', 'src', 'api', 'docs'),
  ];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? (candidates[0] as string);
}

/**
 * `GET /openapi.json`: the document of the app that serves it, built on first request (every
 * router is mounted by then) and kept. `GET /docs`: a static page rendering it; it loads its
 * script from `/docs/` (no CDN, no inline script: helmet's CSP stays as it is).
 */
export function docsRoutes(dir: string = docsAssetsDir()): Router {
  const built = new WeakMap<Application, OpenApiDocument>();
  const r = Router();
  r.get('/openapi.json', (req, res) => {
    let doc = built.get(req.app);
    if (!doc) {
      doc = buildOpenApiDocument(req.app);
      built.set(req.app, doc);
    }
    res.json(doc);
  });
  r.get('/docs', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(path.join(dir, 'index.html'));
  });
  r.use('/docs', express.static(dir, { index: false, redirect: false, fallthrough: true }));
  return r;
}
