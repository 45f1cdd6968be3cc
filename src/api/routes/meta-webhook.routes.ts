import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { AccountAlertRepository } from '../../db/repositories/account-alert.repository';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../logging/logger';
import { normaliseMetaAccountAlerts } from '../../providers/meta/meta.alerts';
import {
  normaliseMetaInbound,
  normaliseMetaStatuses,
  verifyMetaSignature,
} from '../../providers/meta/meta.webhook';
import { metaVerifyQuery } from '../../schemas/webhook.schema';
import { safeEqual } from '../../security/api-keys';
import { startInboundWorkflows } from '../messages/inbound-starter';
import { recordAccountAlerts, type AlertCandidate } from '../messages/alert-recorder';
import { signalStatuses } from '../messages/status-signal';
import type { Metrics } from '../../observability/metrics';
import { countWebhook } from '../middleware/webhook-metrics';
import { route } from '../middleware/validate';

export interface MetaWebhookDeps {
  temporal: Client;
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId' | 'recordLateDelivery'>;
  appSecret: string | undefined;
  /** META_WEBHOOK_VERIFY_TOKEN for the GET handshake; unset = every handshake refused (403). */
  verifyToken?: string;
  logger: Logger;
  /** Counts requests by outcome (GET /metrics); absent = not counted. */
  metrics?: Metrics;
  /** Inbound messages: which tenant owns a phone number id, whether it has a callback, where workflows run. */
  inbound?: {
    senders: {
      findByPhoneNumberId(phoneNumberId: string): Promise<{ tenantId: string; senderId: string } | null>;
    };
    callbacks?: { get(tenantId: string): Promise<unknown> };
    taskQueue: string;
    callbackMaxAttempts: number;
    callbackRetryInitialMs: number;
  };
  /** Account alerts (account_update, quality, template status…): absent = ignored. */
  alerts?: {
    repo: Pick<AccountAlertRepository, 'store'>;
    senders: { findByWabaId(wabaId: string): Promise<AlertCandidate[]> };
  };
}

/**
 * `GET /webhooks/meta`: Meta's verification handshake (no signature on it). `POST /webhooks/meta`:
 * signature over the raw bytes → canonical status events → a signal to each message's workflow,
 * inbound messages → their inbound workflows, account alerts → stored once → 200. Our id rides in
 * biz_opaque_callback_data, so a status that overtakes the send's answer still finds its workflow;
 * the wamid mapping is the fallback. Batches (several entries, changes, statuses) are taken whole.
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
  r.post('/webhooks/meta', countWebhook(deps.metrics, 'meta'), async (req, res) => {
    if (!deps.appSecret)
      throw new DomainError('unavailable', 'webhook_not_configured', 'META_APP_SECRET is not set');
    if (!verifyMetaSignature(req.rawBody, req.headers['x-hub-signature-256'], deps.appSecret))
      throw new DomainError(
        'unauthorized',
        'invalid_signature',
        'X-Hub-Signature-256 is missing or does not match',
      );
    const events = normaliseMetaStatuses(req.body);
    await signalStatuses(deps, 'meta', events);
    const inbound = deps.inbound ? normaliseMetaInbound(req.body) : [];
    if (deps.inbound && inbound.length > 0) {
      const { senders, ...starter } = deps.inbound;
      await startInboundWorkflows({ ...starter, temporal: deps.temporal }, inbound, async (phoneNumberId) => {
        const owner = await senders.findByPhoneNumberId(phoneNumberId);
        if (!owner) deps.logger.warn({ phoneNumberId }, 'meta inbound message for an unknown number');
        return owner;
      });
    }
    const alerts = deps.alerts ? normaliseMetaAccountAlerts(req.body) : [];
    if (deps.alerts && alerts.length > 0) {
      const { repo, senders } = deps.alerts;
      await recordAccountAlerts({ ...deps, alerts: repo }, 'meta', alerts, (waba) =>
        senders.findByWabaId(waba),
      );
    }
    res.status(200).json({ received: events.length + inbound.length + alerts.length });
  });
  return r;
}
