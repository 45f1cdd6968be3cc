import { Router } from 'express';

export type ReadinessChecks = Record<string, () => Promise<void>>;

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      () => (clearTimeout(t), resolve()),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/**
 * `/healthz`: the process is up. `/readyz`: every dependency answers, else 503 naming the failing
 * ones — by name only: the probe is unauthenticated and a driver's error names hosts, ports and
 * users, so the error text goes to the log (issue 15).
 */
export function healthRoutes(checks: ReadinessChecks): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (req, res) => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, { status: 'ok' }] as const;
        } catch (err) {
          req.log?.warn(
            { dependency: name, error: err instanceof Error ? err.message : String(err) },
            'readiness check failed',
          );
          return [name, { status: 'error' }] as const;
        }
      }),
    );
    const ready = entries.every(([, v]) => v.status === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(entries) });
  });
  return r;
}
