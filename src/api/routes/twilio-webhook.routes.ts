import express, { Router } from 'express';
import { twilioWebhookSource, type TwilioSourceDeps } from '../../ingest/sources/twilio.source';
import { receiveWebhook, type IngestDeps } from '../../ingest/webhook-pipeline';
import { countWebhook } from '../middleware/webhook-metrics';

export type TwilioWebhookDeps = IngestDeps & TwilioSourceDeps & { bodyLimit: string };

/** `POST /webhooks/twilio` (form-encoded): the ingest pipeline (src/ingest/webhook-pipeline.ts) with Twilio's signature. */
export function twilioWebhookRoutes(deps: TwilioWebhookDeps): Router {
  const r = Router();
  r.post(
    '/webhooks/twilio',
    countWebhook(deps.metrics, 'twilio'),
    // Flat parsing only (no qs nesting): the signature covers the parameters exactly as sent.
    express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 1000 }),
    receiveWebhook(deps, twilioWebhookSource(deps)),
  );
  return r;
}
