import type { RequestHandler } from 'express';
import type { Metrics, WebhookOutcome, WebhookProvider } from '../../observability/metrics';

/**
 * The outcome of a webhook request, from the answer we gave: the error middleware already turned
 * every failure into a status, so this sees thrown and returned outcomes alike.
 * 401/403 = signature or secret rejected; 400/413/415/422 = a body we could not use;
 * 404 = a session we do not hold; anything else (503 not configured, 5xx) = error.
 */
export function webhookOutcomeOf(status: number): WebhookOutcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 401 || status === 403) return 'rejected_signature';
  if (status === 400 || status === 413 || status === 415 || status === 422) return 'invalid';
  if (status === 404) return 'unknown';
  return 'error';
}

/** Counts the request once its answer is sent; a no-op without metrics. */
export function countWebhook(metrics: Metrics | undefined, provider: WebhookProvider): RequestHandler {
  return (_req, res, next) => {
    if (metrics) res.once('finish', () => metrics.webhookRequest(provider, webhookOutcomeOf(res.statusCode)));
    next();
  };
}
