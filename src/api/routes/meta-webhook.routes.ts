import { Router } from 'express';
import { DomainError } from '../../domain/errors';
import { metaWebhookSource, type MetaSourceDeps } from '../../ingest/sources/meta.source';
import { receiveWebhook, type IngestDeps } from '../../ingest/webhook-pipeline';
import { metaVerifyQuery } from '../../schemas/webhook.schema';
import { safeEqual } from '../../security/api-keys';
import { countWebhook } from '../middleware/webhook-metrics';
import { route } from '../middleware/validate';

export type MetaWebhookDeps = IngestDeps &
  MetaSourceDeps & {
    /** META_WEBHOOK_VERIFY_TOKEN for the GET handshake; unset = every handshake refused (403). */
    verifyToken?: string;
  };

/**
 * `GET /webhooks/meta`: Meta's verification handshake (no signature on it). `POST /webhooks/meta`:
 * the ingest pipeline (src/ingest/webhook-pipeline.ts) with Meta's signature and normaliser.
 */
export function metaWebhookRoutes(deps: MetaWebhookDeps): Router {
  const r = Router();
  r.get(
    '/webhooks/meta',
    countWebhook(deps.metrics, 'meta'),
    route({ query: metaVerifyQuery }, ({ query }, _req, res) => {
      // Unset token: refused like a wrong one (403) — Meta shows the failure, the log says why.
      if (!deps.verifyToken) deps.logger.warn('META_WEBHOOK_VERIFY_TOKEN is not set: handshake refused');
      const token = query['hub.verify_token'];
      const challenge = query['hub.challenge'];
      if (
        !deps.verifyToken ||
        query['hub.mode'] !== 'subscribe' ||
        token === undefined ||
        !safeEqual(token, deps.verifyToken) ||
        challenge === undefined
      )
        throw new DomainError('forbidden', 'verification_failed', 'hub.mode or hub.verify_token is wrong');
      res.status(200).type('text/plain').send(challenge);
    }),
  );
  r.post('/webhooks/meta', countWebhook(deps.metrics, 'meta'), receiveWebhook(deps, metaWebhookSource(deps)));
  return r;
}
