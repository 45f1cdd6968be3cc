import { Router } from 'express';
import { DomainError } from '../../domain/errors';
import type { Metrics } from '../../observability/metrics';
import { isAuthorizedScrape } from '../../observability/metrics-http';

/**
 * `GET /metrics` in Prometheus text format. Not behind the API-key auth (Prometheus has no tenant):
 * open, or protected by METRICS_TOKEN as a bearer token.
 */
export function metricsRoutes(deps: { metrics: Metrics; token: string | undefined }): Router {
  const r = Router();
  r.get('/metrics', async (req, res) => {
    if (!isAuthorizedScrape(req.headers.authorization, deps.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new DomainError('unauthorized', 'invalid_metrics_token', 'Missing or wrong metrics token');
    }
    const text = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(text);
  });
  return r;
}
