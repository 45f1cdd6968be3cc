import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import type { SenderRepository } from '../../db/repositories/sender.repository';
import { DomainError } from '../../domain/errors';
import { senderRoutingKey } from '../../domain/official-sender';
import type { Logger } from '../../logging/logger';
import type { Metrics } from '../../observability/metrics';
import {
  checkTwilioWebhook,
  normaliseTwilioInbound,
  normaliseTwilioStatus,
  parseTwilioRef,
  twilioOurNumber,
  twilioWebhookKind,
  twilioWebhookUrl,
  verifyTwilioSignature,
  type TwilioParams,
} from '../../providers/twilio/twilio.webhook';
import { recordDeadLetters, type DeadLetterDeps } from '../../ingest/dead-letters';
import { startInboundWorkflow, type InboundStartDeps } from '../../ingest/inbound-events';
import { signalStatuses } from '../../ingest/status-events';
import { countWebhook } from '../middleware/webhook-metrics';

export interface TwilioWebhookDeps {
  temporal: Client;
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId' | 'recordLateDelivery'>;
  senders: Pick<SenderRepository, 'withCredentialsByRoutingKey'>;
  deadLetters: DeadLetterDeps['deadLetters'];
  /** PUBLIC_BASE_URL: Twilio signs the URL it called, which is ours as configured, not as we see it. */
  publicBaseUrl: string | undefined;
  bodyLimit: string;
  logger: Logger;
  metrics?: Metrics;
  /** Inbound messages: where their workflows run, the tenant's callback; absent = ignored. */
  inbound?: Omit<InboundStartDeps, 'temporal'>;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const refused = () =>
  new DomainError('forbidden', 'invalid_signature', 'X-Twilio-Signature is missing or does not match');

/**
 * `POST /webhooks/twilio` (form-encoded): status callbacks of our sends and inbound messages.
 * The sender is found by `twilio:<AccountSid>:<our number>` (From of a status, To of an inbound),
 * its auth token opened, and X-Twilio-Signature checked over `${PUBLIC_BASE_URL}/webhooks/twilio`
 * + the query string + the sorted parameters; anything missing or wrong is 403 and nothing happens.
 * A status finds its message by the `?ref=<tenant>:<messageId>` our send put in StatusCallback,
 * else by MessageSid, and only within the sender's tenant. Callbacks are not ordered: the message
 * workflow applies only statuses that move it forward. A signed request whose SID or addresses are
 * unusable (a NUL, 10 KB) is dead-lettered for the sender's tenant and answered 200 like any other.
 */
export function twilioWebhookRoutes(deps: TwilioWebhookDeps): Router {
  const r = Router();
  r.post(
    '/webhooks/twilio',
    countWebhook(deps.metrics, 'twilio'),
    // Flat parsing only (no qs nesting): the signature covers the parameters exactly as sent.
    express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 1000 }),
    async (req, res) => {
      const signature = req.headers['x-twilio-signature'];
      if (typeof signature !== 'string' || signature.length === 0) throw refused();
      // Twilio posts forms; a JSON body (parsed by the app-wide parser) would be signed other values.
      if (!req.is('application/x-www-form-urlencoded'))
        throw new DomainError(
          'invalid',
          'invalid_content_type',
          'Expected application/x-www-form-urlencoded',
        );
      const base = deps.publicBaseUrl;
      if (!base) throw new DomainError('unavailable', 'webhook_not_configured', 'PUBLIC_BASE_URL is not set');
      const params: TwilioParams =
        req.body && typeof req.body === 'object' && !Array.isArray(req.body)
          ? (req.body as TwilioParams)
          : {};
      const accountSid = typeof params.AccountSid === 'string' ? params.AccountSid : '';
      const number = twilioOurNumber(params);
      const found =
        /^AC[0-9a-fA-F]{32}$/.test(accountSid) && number
          ? await deps.senders.withCredentialsByRoutingKey(
              senderRoutingKey({ provider: 'twilio', accountSid, phoneNumber: number }),
            )
          : null;
      const url = twilioWebhookUrl(base, req.originalUrl);
      if (
        !found ||
        found.credentials.provider !== 'twilio' ||
        !verifyTwilioSignature(found.credentials.authToken, signature, url, params)
      ) {
        deps.logger.warn({ accountSid, number, known: !!found }, 'twilio webhook refused');
        throw refused();
      }
      const tenantId = found.tenantId;
      const kind = twilioWebhookKind(params);
      const checked = checkTwilioWebhook(params, kind);
      if (!checked.ok) {
        await recordDeadLetters(deps, 'twilio', [{ tenantId, rejected: checked.rejected }]);
        if (kind === 'status') res.status(200).json({ received: 0, deadLettered: 1 });
        else res.status(200).type('text/xml').send(EMPTY_TWIML);
        return;
      }
      if (kind === 'status') {
        const ev = normaliseTwilioStatus(params);
        // queued/accepted/sending say nothing new (no event); `sent` is dropped by signalStatuses.
        if (ev) await signalStatuses(deps, 'twilio', [ev], { tenantId, ref: parseTwilioRef(req.query.ref) });
        res.status(200).json({ received: ev ? 1 : 0 });
        return;
      }
      const message = normaliseTwilioInbound(params);
      if (message && deps.inbound)
        await startInboundWorkflow(
          { ...deps.inbound, temporal: deps.temporal },
          { tenantId, senderId: found.sender.id },
          message,
        );
      res.status(200).type('text/xml').send(EMPTY_TWIML);
    },
  );
  return r;
}
