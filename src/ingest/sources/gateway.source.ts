import type { RequestHandler } from 'express';
import { DomainError } from '../../domain/errors';
import type { RejectedEntry } from '../../domain/dead-letter';
import { depthOf } from '../../domain/storable';
import {
  gatewaySessionField,
  gatewaySessionOf,
  normaliseGatewayWebhook,
} from '../../providers/gateways/webhooks';
import { normaliseGatewayInbound } from '../../providers/gateways/inbound';
import { normaliseGatewayStatus } from '../../providers/gateways/statuses';
import { isValidWebhookToken } from '../../providers/gateways/shared/webhook-target';
import { entryIssues, fieldOf, MAX_ENTRY_DEPTH, readableIds } from '../../schemas/webhook.schema';
import { safeEqual } from '../../security/api-keys';
import { WEBHOOK_TOKEN_PARAM } from '../../providers/gateways/shared/webhook-target';
import type { GatewayWebhook } from '../webhook-pipeline';

export interface GatewaySourceDeps {
  /** Shared secret the gateway sends in X-Webhook-Secret; unset disables the endpoint (503). */
  secret?: string;
  /** Inbound messages are handled: a message event is read as one (else as a session event). */
  inbound: boolean;
}

/**
 * The gateways' webhook (seed, WAHA and Evolution envelopes): the shared secret in X-Webhook-Secret
 * (WAHA, Evolution) or the per-session `?token=` of the URL we registered (seed), both compared in
 * constant time; then one event, normalised. A received message (seed `message.received`/
 * `new-message`, WAHA `message`, Evolution `messages.upsert`) is an inbound message; an
 * acknowledgement of one we sent (WAHA `message.ack`, Evolution `messages.update`) a message
 * status; anything else a session event; an authenticated body that is no usable event is rejected.
 */
export function gatewayWebhookSource(deps: GatewaySourceDeps) {
  return {
    /** The shared secret, checked before the body is parsed; a URL token waits for the body to name its session. */
    authenticate: ((req, _res, next) => {
      if (!deps.secret)
        throw new DomainError(
          'unavailable',
          'webhook_not_configured',
          'GATEWAY_WEBHOOK_SECRET is not configured',
        );
      const given = req.headers['x-webhook-secret'];
      if (given === undefined && typeof req.query[WEBHOOK_TOKEN_PARAM] === 'string') return next();
      if (typeof given !== 'string' || !safeEqual(given, deps.secret))
        throw new DomainError('unauthorized', 'invalid_webhook_secret', 'Missing or wrong X-Webhook-Secret');
      next();
    }) satisfies RequestHandler,

    /**
     * The seed gateway cannot send headers: its registered URL carries the session's HMAC token,
     * checked against the session the body names before anything else of the body is read.
     */
    verifyToken(body: Record<string, unknown>, urlToken: string | undefined): void {
      if (urlToken === undefined) return;
      const named = gatewaySessionOf(body);
      if (named === undefined || !isValidWebhookToken(deps.secret as string, named, urlToken))
        throw new DomainError(
          'unauthorized',
          'invalid_webhook_secret',
          'Wrong webhook token for this session',
        );
    },

    normalise(body: Record<string, unknown>): GatewayWebhook {
      const named = gatewaySessionOf(body);
      const reject = (r: Omit<RejectedEntry, 'providerIds' | 'entry'>): GatewayWebhook => ({
        kind: 'rejected',
        named,
        rejected: { ...r, providerIds: providerIdsOf(body), entry: body },
      });
      if (depthOf(body, MAX_ENTRY_DEPTH) > MAX_ENTRY_DEPTH)
        return reject({
          kind: 'event',
          reason: 'too_deep',
          issues: [{ path: '', code: 'too_deep', message: `nested deeper than ${MAX_ENTRY_DEPTH} levels` }],
        });
      // A message event is read by the inbound normaliser only: its `data` (a Baileys record in the
      // seed's older `new-message`) is no session event and need not fit that schema.
      const inbound = deps.inbound ? normaliseGatewayInbound(body) : null;
      if (inbound && !inbound.ok)
        return reject({ kind: 'message', reason: 'invalid_entry', issues: entryIssues(inbound.issues) });
      if (inbound) return { kind: 'inbound', inbound };
      const status = normaliseGatewayStatus(body);
      if (status && !status.ok)
        return reject({ kind: 'status', reason: 'invalid_entry', issues: entryIssues(status.issues) });
      if (status) return { kind: 'status', status };
      const normalised = normaliseGatewayWebhook(body);
      if (!normalised.ok)
        return reject({ kind: 'event', reason: 'invalid_entry', issues: entryIssues(normalised.issues) });
      return { kind: 'event', gatewaySessionId: normalised.gatewaySessionId, event: normalised.event };
    },
  };
}

function providerIdsOf(body: Record<string, unknown>): RejectedEntry['providerIds'] {
  const data = fieldOf(body, 'data');
  const messageId =
    fieldOf(fieldOf(body, 'payload'), 'id') ?? fieldOf(fieldOf(data, 'key'), 'id') ?? fieldOf(data, 'keyId');
  return readableIds({
    sessionId: gatewaySessionField(body),
    event: body.event,
    messageId: messageId ?? body.messageId,
  });
}
