import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SessionRepository } from '../../db/repositories/session.repository';
import { DomainError } from '../../domain/errors';
import type { RejectedEntry } from '../../domain/dead-letter';
import { depthOf } from '../../domain/storable';
import {
  gatewaySessionField,
  gatewaySessionOf,
  normaliseGatewayWebhook,
} from '../../providers/gateways/webhooks';
import { normaliseGatewayInbound } from '../../providers/gateways/inbound';
import { entryIssues, fieldOf, MAX_ENTRY_DEPTH, readableIds } from '../../schemas/webhook.schema';
import { recordDeadLetters, type DeadLetterDeps } from '../../ingest/dead-letters';
import { startInboundWorkflow, type InboundStartDeps } from '../../ingest/inbound-events';
import { parseWebhookJson, webhookRawBody } from '../middleware/webhook-body';
import { safeEqual } from '../../security/api-keys';
import { isValidWebhookToken, WEBHOOK_TOKEN_PARAM } from '../../providers/gateways/shared/webhook-target';
import { workflowIds } from '../../temporal/workflow-ids';
import { gatewayWebhookEnvelope } from '../../schemas/session.schema';
import { gatewayEventSignal } from '../../../workflows/session.definitions';
import { route, ValidationFailed } from '../middleware/validate';
import { countWebhook } from '../middleware/webhook-metrics';

const webhookQuery = z.object({ [WEBHOOK_TOKEN_PARAM]: z.string().min(1).max(128).optional() });

export interface GatewayWebhookDeps extends DeadLetterDeps {
  temporal: Client;
  sessions: Pick<SessionRepository, 'findByGatewaySessionId'>;
  /** Shared secret the gateway sends in X-Webhook-Secret; unset disables the endpoint (503). */
  secret?: string;
  /** Inbound messages (issue 4 item 9): where their workflows run, the tenant's callback; absent = ignored. */
  inbound?: Omit<InboundStartDeps, 'temporal'>;
}

/**
 * An authenticated gateway event we cannot use: dead-lettered (for the tenant whose session it
 * names, when that can be read) and answered 400 naming each field and rule. A gateway posts one
 * event per request, so the event is the body as a whole; its own retries end on a 4xx.
 */
async function refuseEvent(
  deps: GatewayWebhookDeps,
  body: Record<string, unknown>,
  named: string | undefined,
  r: Omit<RejectedEntry, 'providerIds' | 'entry'>,
): Promise<never> {
  const owner = named ? await deps.sessions.findByGatewaySessionId(named) : null;
  const messageId =
    fieldOf(fieldOf(body, 'payload'), 'id') ?? fieldOf(fieldOf(fieldOf(body, 'data'), 'key'), 'id');
  const rejected: RejectedEntry = {
    ...r,
    providerIds: readableIds({
      sessionId: gatewaySessionField(body),
      event: body.event,
      messageId: messageId ?? body.messageId,
    }),
    entry: body,
  };
  await recordDeadLetters(deps, 'gateway', [{ tenantId: owner?.tenantId ?? null, rejected }]);
  throw new ValidationFailed(
    r.issues.map((i) => ({ field: i.path ? `body.${i.path}` : 'body', rule: i.code, message: i.message })),
  );
}

/**
 * `POST /webhooks/gateway` (seed, WAHA and Evolution envelopes): shared secret in X-Webhook-Secret
 * (WAHA, Evolution) or the per-session `?token=` of the URL we registered (seed), both compared in
 * constant time → normalise → signal the owning session workflow → 200. Signal only, never signal-with-start: an event for a session we do not hold is a
 * 404 and starts nothing. Duplicate and out-of-order events are the workflow's to ignore.
 * A received message (seed `message.received`/`new-message`, WAHA `message`, Evolution
 * `messages.upsert`) starts its inbound workflow instead, keyed by tenant + provider message id.
 * An authenticated body that is no usable event is dead-lettered and answered 400 (refuseEvent).
 */
export function gatewayWebhookRoutes(deps: GatewayWebhookDeps): Router {
  const r = Router();

  const authenticate: RequestHandler = (req, _res, next) => {
    if (!deps.secret)
      throw new DomainError(
        'unavailable',
        'webhook_not_configured',
        'GATEWAY_WEBHOOK_SECRET is not configured',
      );
    const given = req.headers['x-webhook-secret'];
    // A URL token names no session by itself: it is checked once the body says which one.
    if (given === undefined && typeof req.query[WEBHOOK_TOKEN_PARAM] === 'string') return next();
    if (typeof given !== 'string' || !safeEqual(given, deps.secret)) {
      throw new DomainError('unauthorized', 'invalid_webhook_secret', 'Missing or wrong X-Webhook-Secret');
    }
    next();
  };

  r.post(
    '/webhooks/gateway',
    countWebhook(deps.metrics, 'gateway'),
    authenticate,
    // Webhook bodies arrive unparsed (app.ts): the shared secret was checked above, before this.
    (req, _res, next) => {
      req.body = parseWebhookJson(webhookRawBody(req));
      next();
    },
    route({ body: gatewayWebhookEnvelope, query: webhookQuery }, async ({ body, query }, req, res) => {
      const named = gatewaySessionOf(body);
      // The seed gateway cannot send headers: its registered URL carries the session's HMAC token,
      // checked against the session the body names before anything else of the body is read.
      const urlToken = req.headers['x-webhook-secret'] === undefined ? query.token : undefined;
      if (
        urlToken !== undefined &&
        (named === undefined || !isValidWebhookToken(deps.secret as string, named, urlToken))
      )
        throw new DomainError(
          'unauthorized',
          'invalid_webhook_secret',
          'Wrong webhook token for this session',
        );
      const refuse = (r: Omit<RejectedEntry, 'providerIds' | 'entry'>) => refuseEvent(deps, body, named, r);
      if (depthOf(body, MAX_ENTRY_DEPTH) > MAX_ENTRY_DEPTH)
        return refuse({
          kind: 'event',
          reason: 'too_deep',
          issues: [{ path: '', code: 'too_deep', message: `nested deeper than ${MAX_ENTRY_DEPTH} levels` }],
        });
      // A message event is read by the inbound normaliser only: its `data` (a Baileys record in the
      // seed's older `new-message`) is no session event and need not fit that schema.
      const inbound = deps.inbound ? normaliseGatewayInbound(body) : null;
      if (inbound && !inbound.ok)
        return refuse({ kind: 'message', reason: 'invalid_entry', issues: entryIssues(inbound.issues) });
      const normalised = inbound
        ? { ok: true as const, gatewaySessionId: inbound.gatewaySessionId, event: null }
        : normaliseGatewayWebhook(body);
      if (!normalised.ok)
        return refuse({ kind: 'event', reason: 'invalid_entry', issues: entryIssues(normalised.issues) });
      const { gatewaySessionId, event } = normalised;
      const owner = await deps.sessions.findByGatewaySessionId(gatewaySessionId);
      if (!owner) throw new DomainError('not_found', 'unknown_session', `No session ${gatewaySessionId}`);
      if (inbound && deps.inbound) {
        if (!inbound.message) {
          res.json({ accepted: false, reason: inbound.ignored });
          return;
        }
        // Started, not awaited to completion: storing and forwarding are the workflow's, so the
        // gateway gets its answer in one Temporal round trip.
        const started = await startInboundWorkflow(
          { ...deps.inbound, temporal: deps.temporal },
          { tenantId: owner.tenantId, senderId: owner.sessionId },
          inbound.message,
        );
        res.json({ accepted: true, duplicate: started === 'duplicate' });
        return;
      }
      if (!event) {
        res.json({ accepted: false, reason: 'not a session event' });
        return;
      }
      try {
        await deps.temporal.workflow
          .getHandle(workflowIds.session(owner.tenantId, owner.sessionId))
          .signal(gatewayEventSignal, event);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          throw new DomainError('not_found', 'unknown_session', `No running session ${gatewaySessionId}`);
        throw err;
      }
      res.json({ accepted: true });
    }),
  );

  return r;
}
