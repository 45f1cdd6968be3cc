import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { safeEqual } from '../security/api-keys';

/**
 * Who may scrape (issue 15): with a token, only `Authorization: Bearer <token>` (constant-time
 * compare); without one, only when the listener is internal — bound to a loopback address, or
 * METRICS_PUBLIC=true said explicitly that its network is private. Otherwise the metrics (which
 * name every tenant and sender) are closed.
 */
export interface ScrapePolicy {
  token: string | undefined;
  /** No token needed: the listener is on loopback or METRICS_PUBLIC=true. */
  internal: boolean;
}

export type ScrapeVerdict = 'ok' | 'wrong_token' | 'closed';

export function scrapeVerdict(authorization: string | undefined, policy: ScrapePolicy): ScrapeVerdict {
  if (!policy.token) return policy.internal ? 'ok' : 'closed';
  const m = /^Bearer (.+)$/.exec(authorization ?? '');
  return m !== null && safeEqual(m[1] as string, policy.token) ? 'ok' : 'wrong_token';
}

/** `127.0.0.1`, `::1`, `localhost` and the rest of 127/8: a listener only this host can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The refusal a closed or wrongly-authorized scrape gets, the same on the API and the worker. */
export const SCRAPE_REFUSALS = {
  wrong_token: {
    status: 401,
    code: 'invalid_metrics_token',
    message: 'Missing or wrong metrics token',
  },
  closed: {
    status: 404,
    code: 'metrics_closed',
    message:
      'Metrics are not served on this listener: set METRICS_TOKEN (or METRICS_PUBLIC=true on a private network)',
  },
} as const;

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
  /** METRICS_PUBLIC=true: open without a token on any interface; else only on loopback. */
  public: boolean;
}): Promise<MetricsServer> {
  const policy: ScrapePolicy = { token: opts.token, internal: opts.public || isLoopbackHost(opts.host) };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'route_not_found', message: 'Only GET /metrics' } }));
      return;
    }
    const verdict = scrapeVerdict(req.headers.authorization, policy);
    if (verdict !== 'ok') {
      const { status, code, message } = SCRAPE_REFUSALS[verdict];
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(verdict === 'wrong_token' ? { 'www-authenticate': 'Bearer' } : {}),
      });
      res.end(JSON.stringify({ error: { code, message } }));
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
