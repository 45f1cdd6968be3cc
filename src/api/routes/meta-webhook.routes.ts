import { Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { messageStatusSignal } from '../../../workflows/message.definitions';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { DomainError } from '../../domain/errors';
import type { InboundMessageEvent, MessageStatusEvent } from '../../domain/message';
import type { Logger } from '../../logging/logger';
import {
  normaliseMetaInbound,
  normaliseMetaStatuses,
  verifyMetaSignature,
} from '../../providers/meta/meta.webhook';
import { workflowIds } from '../../temporal/workflow-ids';
import { startInboundWorkflow } from '../messages/inbound-starter';
import type { Metrics } from '../../observability/metrics';
import { countWebhook } from '../middleware/webhook-metrics';

export interface MetaWebhookDeps {
  temporal: Client;
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId'>;
  appSecret: string | undefined;
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
}

/**
 * `POST /webhooks/meta` (status part): signature over the raw bytes → canonical status events →
 * a signal to each message's workflow → 200. Our id rides in biz_opaque_callback_data, so a status
 * that overtakes the send's answer still finds its workflow; the wamid mapping is the fallback.
 */
export function metaWebhookRoutes(deps: MetaWebhookDeps): Router {
  const r = Router();
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
    // `sent` is what our send activity already recorded from Meta's answer: signalling it would
    // only cost the workflow a task (throughput), so only later statuses are delivered.
    await Promise.all(events.filter((ev) => ev.status !== 'sent').map((ev) => deliver(deps, ev)));
    const inbound = deps.inbound ? normaliseMetaInbound(req.body) : [];
    await Promise.all(inbound.map((m) => startInbound(deps, m)));
    res.status(200).json({ received: events.length + inbound.length });
  });
  return r;
}

async function deliver(deps: MetaWebhookDeps, ev: MessageStatusEvent): Promise<void> {
  let owner = ev.tenantId && ev.messageId ? { tenantId: ev.tenantId, messageId: ev.messageId } : null;
  owner ??= await deps.messages.findByProviderMessageId('meta', ev.providerMessageId);
  if (!owner) {
    deps.logger.warn(
      { providerMessageId: ev.providerMessageId, status: ev.status },
      'meta status for an unknown message',
    );
    return;
  }
  try {
    await deps.temporal.workflow
      .getHandle(workflowIds.message(owner.tenantId, owner.messageId))
      .signal(messageStatusSignal, ev);
  } catch (err) {
    // The workflow stopped following statuses (final, or its status timeout passed): nothing to update.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    deps.logger.info(
      { messageId: owner.messageId, status: ev.status },
      'meta status after the message stopped following',
    );
  }
}

/** Starts the message's inbound workflow; a redelivered webhook finds it already started (deduplicated). */
async function startInbound(deps: MetaWebhookDeps, m: InboundMessageEvent): Promise<void> {
  const inbound = deps.inbound;
  if (!inbound) return;
  const owner = await inbound.senders.findByPhoneNumberId(m.recipientAccountId);
  if (!owner) {
    deps.logger.warn({ phoneNumberId: m.recipientAccountId }, 'meta inbound message for an unknown number');
    return;
  }
  await startInboundWorkflow({ ...inbound, temporal: deps.temporal }, owner, m);
}
