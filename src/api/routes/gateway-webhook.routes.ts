import { Router } from 'express';
import { z } from 'zod';
import { gatewayWebhookSource } from '../../ingest/sources/gateway.source';
import { ingestGatewayEvent, type GatewayIngestDeps } from '../../ingest/webhook-pipeline';
import { WEBHOOK_TOKEN_PARAM } from '../../providers/gateways/shared/webhook-target';
import { gatewayWebhookEnvelope } from '../../schemas/session.schema';
import { parseWebhookJson, webhookRawBody } from '../middleware/webhook-body';
import { route, ValidationFailed } from '../middleware/validate';
import { countWebhook } from '../middleware/webhook-metrics';

const webhookQuery = z.object({ [WEBHOOK_TOKEN_PARAM]: z.string().min(1).max(128).optional() });

export type GatewayWebhookDeps = GatewayIngestDeps & {
  /** Shared secret the gateway sends in X-Webhook-Secret; unset disables the endpoint (503). */
  secret?: string;
};

/**
 * `POST /webhooks/gateway` (seed, WAHA and Evolution envelopes): secret or URL token → one event →
 * src/ingest/webhook-pipeline.ts (ingestGatewayEvent). An event we cannot use is a 400 naming each
 * field and rule (the gateway's own retries end on a 4xx).
 */
export function gatewayWebhookRoutes(deps: GatewayWebhookDeps): Router {
  const r = Router();
  const source = gatewayWebhookSource({ secret: deps.secret, inbound: !!deps.inbound });
  r.post(
    '/webhooks/gateway',
    countWebhook(deps.metrics, 'gateway'),
    source.authenticate,
    // Webhook bodies arrive unparsed (app.ts): the shared secret was checked above, before this.
    (req, _res, next) => {
      req.body = parseWebhookJson(webhookRawBody(req));
      next();
    },
    route({ body: gatewayWebhookEnvelope, query: webhookQuery }, async ({ body, query }, req, res) => {
      source.verifyToken(body, req.headers['x-webhook-secret'] === undefined ? query.token : undefined);
      const outcome = await ingestGatewayEvent(deps, source.normalise(body));
      if ('refused' in outcome)
        throw new ValidationFailed(
          outcome.refused.map((i) => ({
            field: i.path ? `body.${i.path}` : 'body',
            rule: i.code,
            message: i.message,
          })),
        );
      res.json(outcome);
    }),
  );
  return r;
}
