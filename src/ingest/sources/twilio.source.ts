import type { SenderRepository } from '../../db/repositories/sender.repository';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../logging/logger';
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
import { twilioOfficial } from '../../providers/twilio/twilio.official';
import { NO_OWNERS, type WebhookSource } from '../webhook-source';

export interface TwilioSourceDeps {
  senders: Pick<SenderRepository, 'withCredentialsByRoutingKey'>;
  /** PUBLIC_BASE_URL: Twilio signs the URL it called, which is ours as configured, not as we see it. */
  publicBaseUrl: string | undefined;
  logger: Logger;
}

/** A signed Twilio callback: the sender it is for, and whether it reports a status or a message. */
interface TwilioCallback {
  tenantId: string;
  senderId: string;
  params: TwilioParams;
  kind: 'status' | 'inbound';
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const refused = () =>
  new DomainError('forbidden', 'invalid_signature', 'X-Twilio-Signature is missing or does not match');

/**
 * Twilio's form-encoded callbacks: status callbacks of our sends and inbound messages. The sender
 * is found by `twilio:<AccountSid>:<our number>` (From of a status, To of an inbound), its auth
 * token opened, and X-Twilio-Signature checked over `${PUBLIC_BASE_URL}/webhooks/twilio` + the
 * query string + the sorted parameters; anything missing or wrong is 403 and nothing happens.
 * A status finds its message by the `?ref=<tenant>:<messageId>` our send put in StatusCallback,
 * else by MessageSid, and only within the sender's tenant. A signed request whose SID or addresses
 * are unusable (a NUL, 10 KB) is dead-lettered for the sender's tenant and answered 200 like any other.
 */
export function twilioWebhookSource(deps: TwilioSourceDeps): WebhookSource<TwilioCallback> {
  return {
    async verify(req) {
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
              twilioOfficial.routingKey({ accountSid, phoneNumber: number }),
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
      return { tenantId: found.tenantId, senderId: found.sender.id, params, kind: twilioWebhookKind(params) };
    },
    normalise(req, { tenantId, senderId, params, kind }) {
      const base = { provider: 'twilio' as const, statuses: [], scopedStatuses: [], inbound: [], alerts: [] };
      const owners = {
        ...NO_OWNERS,
        ofRecipient: async () => ({ tenantId, senderId }),
        ofRejected: async () => tenantId,
      };
      const checked = checkTwilioWebhook(params, kind);
      if (!checked.ok) return { ...base, rejected: [checked.rejected], owners };
      if (kind === 'status') {
        // queued/accepted/sending say nothing new (no event); `sent` is skipped by the pipeline.
        const ev = normaliseTwilioStatus(params);
        const scope = { tenantId, ref: parseTwilioRef(req.query.ref) };
        return { ...base, scopedStatuses: ev ? [{ ev, scope }] : [], rejected: [], owners };
      }
      const message = normaliseTwilioInbound(params);
      return { ...base, inbound: message ? [message] : [], rejected: [], owners };
    },
    answer(res, result, { kind }) {
      if (kind === 'inbound') res.status(200).type('text/xml').send(EMPTY_TWIML);
      else res.status(200).json(result.deadLettered > 0 ? result : { received: result.received });
    },
  };
}
