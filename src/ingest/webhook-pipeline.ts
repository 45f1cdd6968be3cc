import type { RequestHandler } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { gatewayEventSignal } from '../../workflows/session.definitions';
import type { AccountAlertRepository } from '../db/repositories/account-alert.repository';
import type { DeadLetterRepository } from '../db/repositories/dead-letter.repository';
import type { MessageHistoryRepository } from '../db/repositories/message-history.repository';
import type { SessionRepository } from '../db/repositories/session.repository';
import type { RejectedEntry } from '../domain/dead-letter';
import { DomainError } from '../domain/errors';
import {
  WHATSAPP_WEB_PROVIDER,
  type GatewayEvent,
  type GatewayInbound,
  type GatewayStatus,
} from '../domain/gateway-event';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';
import { workflowIds } from '../temporal/workflow-ids';
import { recordAccountAlerts } from './account-alerts';
import { recordDeadLetters } from './dead-letters';
import { startInboundWorkflow, startInboundWorkflows, type InboundStartDeps } from './inbound-events';
import { authorizeStatuses } from './status-authority';
import { signalStatuses } from './status-events';
import type { IngestResult, NormalisedWebhook, WebhookSource } from './webhook-source';

/**
 * The only MongoDB writes the API process makes on a webhook path; everything else a webhook
 * causes is a workflow's (its activities write). Each is idempotent, so a redelivery changes nothing:
 * - `deadLetters.record`: an entry we cannot use, set aside (a redelivery only counts up);
 * - `alerts.store`: an account alert, once per tenant (absent = alerts ignored);
 * - `messages.recordLateDelivery`: a delivered/read for a message whose workflow stopped following
 *   statuses (a conditional, forward-only write; there is no workflow left to signal);
 * - `messages.recordRecipientStatuses`: statuses of broadcast recipients, which have no workflow
 *   (issue 18): forward-only writes, one bulk write per tenant and webhook.
 */
export interface WebhookWrites {
  deadLetters: Pick<DeadLetterRepository, 'record'>;
  alerts?: Pick<AccountAlertRepository, 'store'>;
  messages: Pick<
    MessageHistoryRepository,
    'findByProviderMessageId' | 'recordLateDelivery' | 'recordRecipientStatuses'
  >;
}

export interface IngestDeps extends WebhookWrites {
  temporal: Client;
  logger: Logger;
  metrics?: Metrics;
  /** Key of the MAC on status references (STATUS_REF_KEY); absent = references are not MAC-checked. */
  statusRefKey?: Buffer;
  /** Inbound messages: where their workflows run, the tenant's callback; absent = ignored. */
  inbound?: Omit<InboundStartDeps, 'temporal'>;
}

/**
 * What happens to a webhook, for every vendor: verify (the source: signature, secret or token,
 * before anything is parsed) → normalise (the source: canonical events, entries that fail their
 * schema set aside) → ingestWebhook → the vendor's answer (200: a provider must not redeliver a
 * whole batch for days because one entry in it is poison).
 */
export function receiveWebhook<V>(deps: IngestDeps, source: WebhookSource<V>): RequestHandler {
  return async (req, res) => {
    const verified = await source.verify(req);
    const result = await ingestWebhook(deps, source.normalise(req, verified));
    source.answer(res, result, verified);
  };
}

/**
 * One webhook's canonical events, each to its place, concurrently:
 * - statuses → the owner is checked (status-authority.ts: the number's owner, our MAC'd reference),
 *   then ONE `messageStatuses` signal per message, `sent` skipped (status-events.ts); a status
 *   whose workflow stopped following may still move the record (late delivery);
 * - inbound messages → their inbound workflows, started once (id by provider message id);
 * - account alerts → stored once per tenant with a sender on the WABA;
 * - rejected entries and refused statuses → dead letters, kept for their tenant when known.
 */
export async function ingestWebhook(deps: IngestDeps, w: NormalisedWebhook): Promise<IngestResult> {
  const { owned, refused } = await authorizeStatuses(w.statuses, {
    key: deps.statusRefKey,
    ownerOf: (ev) => w.owners.ofStatus(ev),
  });
  const statuses = [...owned.map(({ ev, tenantId }) => ({ ev, scope: { tenantId } })), ...w.scopedStatuses];
  const inbound = deps.inbound ? w.inbound : [];
  const alerts = deps.alerts ? w.alerts : [];
  await Promise.all([
    signalStatuses(deps, w.provider, statuses),
    deps.inbound && inbound.length > 0
      ? startInboundWorkflows({ ...deps.inbound, temporal: deps.temporal }, inbound, w.owners.ofRecipient)
      : undefined,
    deps.alerts && alerts.length > 0
      ? recordAccountAlerts({ ...deps, alerts: deps.alerts }, w.provider, alerts, w.owners.ofWaba)
      : undefined,
    Promise.all(w.rejected.map(async (e) => ({ tenantId: await w.owners.ofRejected(e), rejected: e }))).then(
      (letters) => recordDeadLetters(deps, w.provider, [...letters, ...refused]),
    ),
  ]);
  return {
    received: statuses.length + inbound.length + alerts.length,
    deadLettered: w.rejected.length + refused.length,
  };
}

/** One gateway event (seed, WAHA, Evolution), normalised by src/ingest/sources/gateway.source.ts. */
export type GatewayWebhook =
  | { kind: 'rejected'; named: string | undefined; rejected: RejectedEntry }
  | { kind: 'inbound'; inbound: GatewayInbound }
  | { kind: 'status'; status: GatewayStatus }
  | { kind: 'event'; gatewaySessionId: string; event: GatewayEvent | null };

/**
 * A gateway webhook writes dead letters, and late deliveries of its statuses (no alerts).
 * `messages` absent = message statuses are not handled (an API without messaging).
 */
export type GatewayIngestDeps = Omit<IngestDeps, 'messages' | 'alerts' | 'statusRefKey'> & {
  sessions: Pick<SessionRepository, 'findByGatewaySessionId'>;
  messages?: IngestDeps['messages'];
};

export type GatewayOutcome =
  | { refused: RejectedEntry['issues'] }
  | { accepted: true; duplicate?: boolean }
  | { accepted: false; reason: string };

/**
 * A gateway posts one event per request, about one session: an event we cannot use is dead-lettered
 * (for the tenant of the session it names) and refused (400, so the gateway's retries end); a
 * received message starts its inbound workflow; a message status goes to its message's workflow
 * (the message must be the session tenant's: the webhook's secret is shared by every session); a
 * session event signals the owning session workflow — signal only, never signal-with-start: a
 * session we do not hold is a 404.
 */
export async function ingestGatewayEvent(
  deps: GatewayIngestDeps,
  w: GatewayWebhook,
): Promise<GatewayOutcome> {
  if (w.kind === 'rejected') {
    const owner = w.named ? await deps.sessions.findByGatewaySessionId(w.named) : null;
    await recordDeadLetters(deps, 'gateway', [{ tenantId: owner?.tenantId ?? null, rejected: w.rejected }]);
    return { refused: w.rejected.issues };
  }
  const gatewaySessionId =
    w.kind === 'inbound'
      ? w.inbound.gatewaySessionId
      : w.kind === 'status'
        ? w.status.gatewaySessionId
        : w.gatewaySessionId;
  const owner = await deps.sessions.findByGatewaySessionId(gatewaySessionId);
  if (!owner) throw new DomainError('not_found', 'unknown_session', `No session ${gatewaySessionId}`);
  if (w.kind === 'inbound') {
    if (!w.inbound.message) return { accepted: false, reason: w.inbound.ignored };
    // (Unreached: the source reads a message event as one only when inbound messages are handled.)
    if (!deps.inbound) return { accepted: false, reason: 'not a session event' };
    // Started, not awaited to completion: storing and forwarding are the workflow's, so the
    // gateway gets its answer in one Temporal round trip.
    const started = await startInboundWorkflow(
      { ...deps.inbound, temporal: deps.temporal },
      { tenantId: owner.tenantId, senderId: owner.sessionId },
      w.inbound.message,
    );
    return { accepted: true, duplicate: started === 'duplicate' };
  }
  if (w.kind === 'status') {
    if (!w.status.status) return { accepted: false, reason: w.status.ignored };
    if (!deps.messages) return { accepted: false, reason: 'message statuses are not handled' };
    await signalStatuses({ ...deps, messages: deps.messages }, WHATSAPP_WEB_PROVIDER, [
      { ev: w.status.status, scope: { tenantId: owner.tenantId } },
    ]);
    return { accepted: true };
  }
  if (!w.event) return { accepted: false, reason: 'not a session event' };
  try {
    await deps.temporal.workflow
      .getHandle(workflowIds.session(owner.tenantId, owner.sessionId))
      .signal(gatewayEventSignal, w.event);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new DomainError('not_found', 'unknown_session', `No running session ${gatewaySessionId}`);
    throw err;
  }
  return { accepted: true };
}
