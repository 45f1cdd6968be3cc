import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { AccountAlertRepository } from '../../db/repositories/account-alert.repository';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import type { SenderRepository } from '../../db/repositories/sender.repository';
import { DomainError } from '../../domain/errors';
import { senderRoutingKey } from '../../domain/official-sender';
import type { Logger } from '../../logging/logger';
import type { Metrics } from '../../observability/metrics';
import {
  normaliseDialog360Webhook,
  readDialog360Headers,
  verifyDialog360Secret,
} from '../../providers/dialog360/dialog360.webhook';
import { recordAccountAlerts } from '../../ingest/account-alerts';
import { recordDeadLetters, type DeadLetterDeps } from '../../ingest/dead-letters';
import { startInboundWorkflows, type InboundStartDeps } from '../../ingest/inbound-events';
import { signalOwnedStatuses } from '../../ingest/status-events';
import { authorizeStatuses } from '../../ingest/status-authority';
import { parseWebhookJson, webhookRawBody } from '../middleware/webhook-body';
import { countWebhook } from '../middleware/webhook-metrics';

export interface Dialog360WebhookDeps {
  temporal: Client;
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId' | 'recordLateDelivery'>;
  senders: Pick<SenderRepository, 'withCredentialsByRoutingKey'>;
  deadLetters: DeadLetterDeps['deadLetters'];
  logger: Logger;
  metrics?: Metrics;
  /** Inbound messages: where their workflows run, the tenant's callback; absent = ignored. */
  inbound?: Omit<InboundStartDeps, 'temporal'>;
  /** Account alerts the envelope may carry; absent = ignored. */
  alerts?: Pick<AccountAlertRepository, 'store'>;
  /** Key of the MAC on status references (STATUS_REF_KEY); absent = references are not MAC-checked. */
  statusRefKey?: Buffer;
}

const refused = () =>
  new DomainError(
    'unauthorized',
    'invalid_webhook_secret',
    'X-Dw-Channel or X-Dw-Webhook-Secret is missing or wrong',
  );

/**
 * `POST /webhooks/360dialog`: Meta's envelope as 360dialog forwards it. Authenticated by the
 * headers our onboarding configured on the channel's webhook: X-Dw-Channel names the sender
 * (routing key `360dialog:<channel>`), X-Dw-Webhook-Secret must equal its sealed secret (constant
 * time). Anything missing or wrong is 401 before the body is looked at. The sender named is the
 * owner: statuses may only move that tenant's messages, inbound messages are that sender's, and
 * entries that fail their schema are dead-lettered for that tenant (200; 400 only for a body that
 * is not a JSON object), as for Meta's own webhook.
 */
export function dialog360WebhookRoutes(deps: Dialog360WebhookDeps): Router {
  const r = Router();
  r.post('/webhooks/360dialog', countWebhook(deps.metrics, '360dialog'), async (req, res) => {
    const given = readDialog360Headers(req.headers);
    if (!given) throw refused();
    const found = await deps.senders.withCredentialsByRoutingKey(
      senderRoutingKey({ provider: '360dialog', channelId: given.channelId }),
    );
    const expected = found?.credentials.provider === '360dialog' ? found.credentials.webhookSecret : '';
    if (!found || !verifyDialog360Secret(given.secret, expected)) {
      deps.logger.warn({ channelId: given.channelId, known: !!found }, '360dialog webhook refused');
      throw refused();
    }
    const tenantId = found.tenantId;
    const { statuses, inbound, alerts, rejected } = normaliseDialog360Webhook(
      parseWebhookJson(webhookRawBody(req)),
    );
    const owner = { tenantId, senderId: found.sender.id };
    const candidate = { ...owner, displayPhoneNumber: found.sender.displayPhoneNumber };
    // The channel's tenant owns every status; a reference must be ours and name it (issue 15).
    const authorized = await authorizeStatuses(statuses, {
      key: deps.statusRefKey,
      ownerOf: async () => tenantId,
    });
    await Promise.all([
      signalOwnedStatuses(deps, '360dialog', authorized.owned),
      deps.inbound && inbound.length > 0
        ? startInboundWorkflows({ ...deps.inbound, temporal: deps.temporal }, inbound, async () => owner)
        : undefined,
      deps.alerts && alerts.length > 0
        ? recordAccountAlerts({ ...deps, alerts: deps.alerts }, '360dialog', alerts, async () => [candidate])
        : undefined,
      recordDeadLetters(deps, '360dialog', [
        ...rejected.map((e) => ({ tenantId, rejected: e })),
        ...authorized.refused,
      ]),
    ]);
    res.status(200).json({
      received:
        authorized.owned.length + (deps.inbound ? inbound.length : 0) + (deps.alerts ? alerts.length : 0),
      deadLettered: rejected.length + authorized.refused.length,
    });
  });
  return r;
}
