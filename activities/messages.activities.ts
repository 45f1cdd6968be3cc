import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MessageHistoryRepository } from '../src/db/repositories/message-history.repository';
import type { MessagingRegistry } from '../src/providers/messaging-registry';
import type { OutboundMessage, SendResult } from '../src/providers/types';
import { workflowIds } from '../src/temporal/workflow-ids';
import { TenantIdKey, SenderIdKey } from '../src/temporal/search-attributes';
import { senderGateSummary } from '../src/temporal/workflow-summaries';
import type { GateRate, MessageWorkflowInput, PermitRequest } from '../workflows/message.definitions';
import { permitRequestSignal, permitWithdrawSignal } from '../workflows/message.definitions';
import type { senderGateWorkflow } from '../workflows/sender-gate.workflow';
import { atBoundary } from './to-failure';
import { summarise } from './message-summary';
import type { Metrics } from '../src/observability/metrics';
import type { MessageStatus } from '../src/domain/message';
import type { Moved } from '../src/db/repositories/message-history.repository';

export interface MessageActivityDeps {
  messages: MessageHistoryRepository;
  registry: MessagingRegistry;
  /** Client used to signal-with-start sender gates, and the task queue they run on. */
  temporal: Client;
  taskQueue: string;
  rateFor(provider: string): GateRate;
}

type Priority = MessageWorkflowInput['priority'];

/** Send (a real activity, retried) and the short history writes (run as local activities). */
export function createMessageActivities(all: { messaging?: MessageActivityDeps; metrics?: Metrics }) {
  const deps = () => {
    if (!all.messaging) throw new Error('messaging activities are not configured in this worker');
    return all.messaging;
  };
  /** Counts a transition only when this write made it, so retried and replayed writes count once. */
  const counted = (status: MessageStatus, moved: Moved) => {
    if (moved) all.metrics?.messageTransition(status, moved.provider);
  };
  return {
    async recordMessageQueued(input: MessageWorkflowInput & { workflowId: string }): Promise<void> {
      const { content } = input;
      const s = summarise(content);
      const written = await deps().messages.recordQueued(
        {
          tenantId: input.tenantId,
          messageId: input.messageId,
          senderId: input.senderId,
          sessionId: input.sessionId,
          senderUserId: input.senderUserId,
          provider: input.provider,
          priority: input.priority,
          recipientPhone: input.to,
          recipientName: input.recipientName,
          messageType: content.type,
          messageContent: s.text,
          content: content as unknown as Record<string, unknown>,
          mediaData: s.media,
          metadata: input.metadata,
          idempotencyKey: input.idempotencyKey,
          requestHash: input.requestHash,
          workflowId: input.workflowId,
          acceptedAt: new Date(input.acceptedAt),
        },
        input.retry,
      );
      counted('queued', written ? { provider: input.provider } : null);
    },

    /** Signal-with-start of the sender's gate; it answers with a sendPermit signal when it is this message's turn. */
    async requestSendPermit(r: {
      tenantId: string;
      senderId: string;
      provider: string;
      workflowId: string;
      priority: Priority;
    }): Promise<void> {
      const d = deps();
      const rate = d.rateFor(r.provider);
      await d.temporal.workflow.signalWithStart<typeof senderGateWorkflow, [PermitRequest]>(
        'senderGateWorkflow',
        {
          workflowId: workflowIds.senderGate(r.tenantId, r.senderId),
          taskQueue: d.taskQueue,
          args: [{ rate }],
          // Applies when this call starts the gate; a continued-as-new run carries none (SDK 1.24).
          ...senderGateSummary({ ...r, rate }),
          signal: permitRequestSignal,
          signalArgs: [{ workflowId: r.workflowId, priority: r.priority }],
          typedSearchAttributes: [
            { key: TenantIdKey, value: r.tenantId },
            { key: SenderIdKey, value: r.senderId },
          ],
        },
      );
    },

    async withdrawSendPermit(r: { tenantId: string; senderId: string; workflowId: string }): Promise<void> {
      try {
        await deps()
          .temporal.workflow.getHandle(workflowIds.senderGate(r.tenantId, r.senderId))
          .signal(permitWithdrawSignal, { workflowId: r.workflowId });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },

    async sendMessage(msg: OutboundMessage & { provider: string }): Promise<SendResult> {
      const { provider, ...message } = msg;
      const call = () => deps().registry.get(provider).send(message);
      return atBoundary(() => (all.metrics ? all.metrics.timeSend(provider, call) : call()));
    },

    async recordMessageSent(r: {
      tenantId: string;
      messageId: string;
      providerMessageId: string;
      at: string;
    }): Promise<void> {
      counted(
        'sent',
        await deps().messages.recordSent(r.tenantId, r.messageId, r.providerMessageId, new Date(r.at)),
      );
    },

    async recordMessageDelivery(r: {
      tenantId: string;
      messageId: string;
      status: 'delivered' | 'read';
      at: string;
    }): Promise<void> {
      counted(
        r.status,
        await deps().messages.recordDelivery(r.tenantId, r.messageId, r.status, new Date(r.at)),
      );
    },

    async recordMessageFailed(r: {
      tenantId: string;
      messageId: string;
      at: string;
      errorCode: string | null;
      errorMessage: string;
      retryable: boolean;
      runId: string;
    }): Promise<void> {
      counted(
        'failed',
        await deps().messages.recordFailed(r.tenantId, r.messageId, { ...r, at: new Date(r.at) }),
      );
    },

    async recordMessageCancelled(r: { tenantId: string; messageId: string; at: string }): Promise<void> {
      counted('cancelled', await deps().messages.recordCancelled(r.tenantId, r.messageId, new Date(r.at)));
    },
  };
}
