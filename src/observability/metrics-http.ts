import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { safeEqual } from '../security/api-keys';

/**
 * Whether a scrape may read the metrics: open when no token is configured, else it must carry
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function isAuthorizedScrape(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer (.+)$/.exec(authorization ?? '');
  return m !== null && safeEqual(m[1] as string, token);
}

export interface MetricsServer {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * The worker's own `GET /metrics` listener: activities (sends, history writes, sweeps) run in the
 * worker, so its counters live there. Plain node:http: one route needs no framework.
 */
export async function startMetricsServer(opts: {
  registry: Registry;
  port: number;
  host: string;
  token: string | undefined;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'route_not_found', message: 'Only GET /metrics' } }));
      return;
    }
    if (!isAuthorizedScrape(req.headers.authorization, opts.token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(
        JSON.stringify({ error: { code: 'invalid_metrics_token', message: 'Missing or wrong token' } }),
      );
      return;
    }
    opts.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': opts.registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: 'Collecting metrics failed' } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
