import { Router } from 'express';
import { dialog360WebhookSource, type Dialog360SourceDeps } from '../../ingest/sources/dialog360.source';
import { receiveWebhook, type IngestDeps } from '../../ingest/webhook-pipeline';
import { countWebhook } from '../middleware/webhook-metrics';

export type Dialog360WebhookDeps = IngestDeps & Dialog360SourceDeps;

/** `POST /webhooks/360dialog`: the ingest pipeline (src/ingest/webhook-pipeline.ts) with 360dialog's channel secret. */
export function dialog360WebhookRoutes(deps: Dialog360WebhookDeps): Router {
  const r = Router();
  const source = dialog360WebhookSource(deps);
  r.post('/webhooks/360dialog', countWebhook(deps.metrics, '360dialog'), receiveWebhook(deps, source));
  return r;
}
