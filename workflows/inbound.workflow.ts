import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { InboundMessageEvent } from '../src/domain/message';

export interface InboundMessageInput {
  tenantId: string;
  senderId: string;
  message: InboundMessageEvent;
  /** The tenant has a callback: forward the message to it. */
  notify: boolean;
  callbackMaxAttempts: number;
  callbackRetryInitialMs: number;
}

/**
 * No maximum attempts: our database being unreachable retries until it is back. A write it refuses
 * does not retry for ever: the activity gives up after a few attempts and dead-letters the message.
 */
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});

/**
 * One inbound message (`inbound:<tenant>:<provider>:<id>`, so a redelivered webhook is the same
 * workflow): store it once, then forward it to the tenant's callback, retried with backoff. A
 * message the database refuses is dead-lettered by the activity and the workflow ends there:
 * every message a webhook answered 200 for is stored and forwarded, or dead-lettered.
 */
export async function inboundMessageWorkflow(input: InboundMessageInput): Promise<void> {
  // Histories from before dead-lettering recorded a boolean here: those carry on as before.
  const recorded: unknown = await db.recordInboundMessage({
    tenantId: input.tenantId,
    senderId: input.senderId,
    message: input.message,
  });
  if (recorded === 'dead_lettered' || !input.notify) return;
  const { deliverStatusCallback } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: {
      initialInterval: input.callbackRetryInitialMs,
      backoffCoefficient: 2,
      maximumInterval: '10m',
      maximumAttempts: input.callbackMaxAttempts,
    },
  });
  const m = input.message;
  await deliverStatusCallback({
    tenantId: input.tenantId,
    payload: {
      event: 'message.inbound',
      senderId: input.senderId,
      provider: m.provider,
      providerMessageId: m.providerMessageId,
      from: m.from,
      fromName: m.fromName,
      type: m.type,
      text: m.text,
      content: m.content,
      at: m.at,
    },
  });
}
