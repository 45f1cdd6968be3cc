import { Router } from 'express';
import { HttpProblem } from '../middleware/errors';
import type { Metrics } from '../../observability/metrics';
import { SCRAPE_REFUSALS, scrapeVerdict } from '../../observability/metrics-http';

/**
 * `GET /metrics` in Prometheus text format. Not behind the API-key auth (Prometheus has no tenant):
 * Bearer METRICS_TOKEN when set; without a token it is closed (404) on the API's public port unless
 * METRICS_PUBLIC=true says the port is on a private network (issue 15: the metrics name every tenant).
 */
export function metricsRoutes(deps: {
  metrics: Metrics;
  token: string | undefined;
  public: boolean;
}): Router {
  const r = Router();
  const policy = { token: deps.token, internal: deps.public };
  r.get('/metrics', async (req, res) => {
    const verdict = scrapeVerdict(req.headers.authorization, policy);
    if (verdict !== 'ok') {
      const { status, code, message } = SCRAPE_REFUSALS[verdict];
      throw new HttpProblem(
        status,
        code,
        message,
        verdict === 'wrong_token' ? { 'WWW-Authenticate': 'Bearer' } : {},
      );
    }
    const text = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(text);
  });
  return r;
}
