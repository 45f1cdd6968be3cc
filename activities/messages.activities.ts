import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { MessageHistoryRepository } from '../src/db/repositories/message-history.repository';
import type { MessagingRegistry } from '../src/providers/messaging-registry';
import type { OutboundMessage, SendResult } from '../src/providers/types';
import { workflowIds } from '../src/temporal/workflow-ids';
import { TenantIdKey, SenderIdKey } from '../src/temporal/search-attributes';
import { senderGateSummary } from '../src/temporal/workflow-summaries';
import type { GateRate, MessageWorkflowInput, PermitRequest } from '../workflows/message.definitions';
import { permitRequestSignal, permitWithdrawSignal } from '../workflows/message.definitions';
import type { senderGateWorkflow } from '../workflows/sender-gate.workflow';
import { OwnFailureTypes, toActivityFailure } from './to-failure';
import { atStorageBoundary, waitingOutStorage } from './storage-boundary';
import { summarise } from './message-summary';
import type { Metrics } from '../src/observability/metrics';
import type { MessageStatus } from '../src/domain/message';
import type { Moved } from '../src/db/repositories/message-history.repository';

export interface MessageActivityDeps {
  messages: MessageHistoryRepository;
  registry: MessagingRegistry;
  /** Client used to signal-with-start sender gates, and the task queue they run on (their own in production). */
  temporal: Client;
  gateTaskQueue: string;
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
  const storage = (activity: string, r: { tenantId: string; messageId: string }) => ({
    activity,
    subject: `message ${r.tenantId}:${r.messageId}`,
    onRejected: () => all.metrics?.storageRejected(activity),
  });
  return {
    /**
     * 'recorded' (or already there), or 'rejected' when the database refused the message itself
     * (input that cannot be stored): then a minimal failed record without content is written, so the
     * message still ends in a visible state.
     */
    async recordMessageQueued(
      input: MessageWorkflowInput & { workflowId: string },
    ): Promise<'recorded' | 'rejected'> {
      const { content } = input;
      const s = summarise(content);
      const record = {
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
        validityMs: input.validityMs ?? null,
        acceptedAt: new Date(input.acceptedAt),
      };
      try {
        const written = await atStorageBoundary(storage('recordMessageQueued', input), () =>
          deps().messages.recordQueued(record, input.retry),
        );
        counted('queued', written ? { provider: input.provider } : null);
        return 'recorded';
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.type !== OwnFailureTypes.storageRejected) throw err;
        const stub = {
          ...record,
          messageContent: '',
          content: { type: content.type },
          mediaData: null,
          metadata: null,
          recipientName: null,
        };
        await atStorageBoundary(storage('recordMessageRejected', input), () =>
          deps().messages.recordRejected(stub, 'unstorable_input', 'The message could not be stored'),
        );
        counted('failed', { provider: input.provider });
        return 'rejected';
      }
    },

    /** Signal-with-start of the sender's gate; it answers with a sendPermit signal when it is this message's turn. */
    async requestSendPermit(r: {
      tenantId: string;
      senderId: string;
      provider: string;
      workflowId: string;
      priority: Priority;
      acceptedAt?: number;
    }): Promise<void> {
      const d = deps();
      const rate = d.rateFor(r.provider);
      await d.temporal.workflow.signalWithStart<typeof senderGateWorkflow, [PermitRequest]>(
        'senderGateWorkflow',
        {
          workflowId: workflowIds.senderGate(r.tenantId, r.senderId),
          taskQueue: d.gateTaskQueue,
          args: [{ rate }],
          // A gate's tasks are tiny: when its worker dies mid-task, another takes over after 3 s, not
          // the default 10 s during which no sender's message gets a permit. Kept across continue-as-new.
          workflowTaskTimeout: '3s',
          // Applies when this call starts the gate; a continued-as-new run carries none (SDK 1.24).
          ...senderGateSummary({ ...r, rate }),
          signal: permitRequestSignal,
          signalArgs: [{ workflowId: r.workflowId, priority: r.priority, acceptedAt: r.acceptedAt }],
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

    /**
     * One provider attempt (Temporal retries it with backoff). Heartbeats while it runs, so a worker
     * that dies mid-send is noticed within the heartbeat timeout. From attempt `attemptsPerRound`
     * on, a transient or rate-limited failure ends the round (non-retryable here; the workflow
     * waits and asks for a new permit), and any other unclassified error fails as SendFailed.
     * Our database being unreachable (reading the sender's credentials) is no provider attempt: the
     * attempt waits for it in this process, then is retried as DependencyUnavailable.
     */
    async sendMessage(
      msg: OutboundMessage & { provider: string; attemptsPerRound?: number },
    ): Promise<SendResult> {
      const { provider, attemptsPerRound = 3, ...message } = msg;
      const ctx = Context.current();
      const lastAttempt = ctx.info.attempt >= attemptsPerRound;
      const call = () => deps().registry.get(provider).send(message);
      const beat = setInterval(() => ctx.heartbeat(), 1_000);
      try {
        ctx.heartbeat();
        return await waitingOutStorage(ctx, () =>
          all.metrics ? all.metrics.timeSend(provider, call) : call(),
        );
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        const failure = toActivityFailure(err, { endRound: lastAttempt });
        if (failure !== err) throw failure;
        if (!lastAttempt) throw err;
        throw ApplicationFailure.create({
          type: OwnFailureTypes.sendFailed,
          message: err instanceof Error ? err.message : String(err),
          nonRetryable: true,
        });
      } finally {
        clearInterval(beat);
      }
    },

    async recordMessageSent(r: {
      tenantId: string;
      messageId: string;
      providerMessageId: string;
      at: string;
    }): Promise<void> {
      counted(
        'sent',
        await atStorageBoundary(storage('recordMessageSent', r), () =>
          deps().messages.recordSent(r.tenantId, r.messageId, r.providerMessageId, new Date(r.at)),
        ),
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
        await atStorageBoundary(storage('recordMessageDelivery', r), () =>
          deps().messages.recordDelivery(r.tenantId, r.messageId, r.status, new Date(r.at)),
        ),
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
        await atStorageBoundary(storage('recordMessageFailed', r), () =>
          deps().messages.recordFailed(r.tenantId, r.messageId, { ...r, at: new Date(r.at) }),
        ),
      );
    },

    async recordMessageCancelled(r: { tenantId: string; messageId: string; at: string }): Promise<void> {
      counted(
        'cancelled',
        await atStorageBoundary(storage('recordMessageCancelled', r), () =>
          deps().messages.recordCancelled(r.tenantId, r.messageId, new Date(r.at)),
        ),
      );
    },

    /** Between send rounds: the last provider error and the next attempt, for operators (record stays queued). */
    async recordMessageRetrying(r: {
      tenantId: string;
      messageId: string;
      rounds: number;
      errorCode: string | null;
      errorMessage: string;
      nextAttemptAt: string;
    }): Promise<void> {
      await atStorageBoundary(storage('recordMessageRetrying', r), () =>
        deps().messages.recordRetrying(r.tenantId, r.messageId, {
          rounds: r.rounds,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          nextAttemptAt: new Date(r.nextAttemptAt),
        }),
      );
    },
  };
}
