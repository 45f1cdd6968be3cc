import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { AccountAlertRepository } from '../../db/repositories/account-alert.repository';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import type { SenderRepository } from '../../db/repositories/sender.repository';
import type { RejectedEntry } from '../../domain/dead-letter';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../logging/logger';
import { normaliseMetaWebhook, verifyMetaSignature } from '../../providers/meta/meta.webhook';
import { metaVerifyQuery } from '../../schemas/webhook.schema';
import { safeEqual } from '../../security/api-keys';
import { recordDeadLetters, type DeadLetterDeps } from '../../ingest/dead-letters';
import { startInboundWorkflows, type InboundStartDeps } from '../../ingest/inbound-events';
import { recordAccountAlerts } from '../../ingest/account-alerts';
import { memo } from '../../ingest/memo';
import { signalOwnedStatuses } from '../../ingest/status-events';
import { authorizeStatuses } from '../../ingest/status-authority';
import { parseWebhookJson, webhookRawBody } from '../middleware/webhook-body';
import type { Metrics } from '../../observability/metrics';
import { countWebhook } from '../middleware/webhook-metrics';
import { route } from '../middleware/validate';

export interface MetaWebhookDeps {
  temporal: Client;
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId' | 'recordLateDelivery'>;
  /** Who owns a receiving number (inbound messages) or a WABA (alerts, dead letters). */
  senders: Pick<SenderRepository, 'findByPhoneNumberId' | 'findByWabaId'>;
  deadLetters: DeadLetterDeps['deadLetters'];
  appSecret: string | undefined;
  /** META_WEBHOOK_VERIFY_TOKEN for the GET handshake; unset = every handshake refused (403). */
  verifyToken?: string;
  /** Key of the MAC on status references (STATUS_REF_KEY); absent = references are not MAC-checked. */
  statusRefKey?: Buffer;
  logger: Logger;
  /** Counts requests by outcome (GET /metrics); absent = not counted. */
  metrics?: Metrics;
  /** Inbound messages: where their workflows run, the tenant's callback; absent = ignored. */
  inbound?: Omit<InboundStartDeps, 'temporal'>;
  /** Account alerts (account_update, quality, template status…): absent = ignored. */
  alerts?: Pick<AccountAlertRepository, 'store'>;
}

/**
 * `GET /webhooks/meta`: Meta's verification handshake (no signature on it). `POST /webhooks/meta`:
 * signature over the raw bytes, before anything is parsed → each entry checked by its schema →
 * statuses signal their message's workflow, inbound messages start their inbound workflows,
 * account alerts are stored once, and entries that fail their schema are dead-lettered → 200.
 * Only a body that is not a JSON object is a 400: a provider must not redeliver a whole batch for
 * days because one entry in it is poison. Our id rides in biz_opaque_callback_data, so a status
 * that overtakes the send's answer still finds its workflow; the wamid mapping is the fallback.
 * A status moves only a message of the owner of its `phone_number_id`, and its reference must be
 * ours and name that owner (status-authority.ts); others are dead-lettered.
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
    const raw = webhookRawBody(req);
    if (!verifyMetaSignature(raw, req.headers['x-hub-signature-256'], deps.appSecret))
      throw new DomainError(
        'unauthorized',
        'invalid_signature',
        'X-Hub-Signature-256 is missing or does not match',
      );
    const { statuses, inbound, alerts, rejected } = normaliseMetaWebhook(parseWebhookJson(raw));
    const ownerOfNumber = memo(async (phoneNumberId: string) => {
      const owner = await deps.senders.findByPhoneNumberId(phoneNumberId);
      if (!owner) deps.logger.warn({ phoneNumberId }, 'meta webhook for an unknown number');
      return owner;
    });
    const sendersOfWaba = memo((wabaId: string) => deps.senders.findByWabaId(wabaId));
    /** The tenant a rejected entry belongs to: its number's, else its WABA's when only one tenant has it. */
    const tenantOf = async (e: RejectedEntry): Promise<string | null> => {
      const byNumber = e.routing?.phoneNumberId ? await ownerOfNumber(e.routing.phoneNumberId) : null;
      if (byNumber) return byNumber.tenantId;
      const tenants = new Set(
        (e.routing?.wabaId ? await sendersOfWaba(e.routing.wabaId) : []).map((s) => s.tenantId),
      );
      return tenants.size === 1 ? ([...tenants][0] as string) : null;
    };
    const { owned, refused } = await authorizeStatuses(statuses, {
      key: deps.statusRefKey,
      ownerOf: async (ev) =>
        ev.senderAccountId ? ((await ownerOfNumber(ev.senderAccountId))?.tenantId ?? null) : null,
    });
    await Promise.all([
      signalOwnedStatuses(deps, 'meta', owned),
      recordDeadLetters(deps, 'meta', refused),
      deps.inbound && inbound.length > 0
        ? startInboundWorkflows({ ...deps.inbound, temporal: deps.temporal }, inbound, ownerOfNumber)
        : undefined,
      deps.alerts && alerts.length > 0
        ? recordAccountAlerts({ ...deps, alerts: deps.alerts }, 'meta', alerts, sendersOfWaba)
        : undefined,
      Promise.all(rejected.map(async (e) => ({ tenantId: await tenantOf(e), rejected: e }))).then((letters) =>
        recordDeadLetters(deps, 'meta', letters),
      ),
    ]);
    res.status(200).json({
      received: owned.length + (deps.inbound ? inbound.length : 0) + (deps.alerts ? alerts.length : 0),
      deadLettered: rejected.length + refused.length,
    });
  });
  return r;
}
