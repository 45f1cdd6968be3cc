import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { MessageHistoryRepository } from '../src/db/repositories/message-history.repository';
import type { SendLimiter } from '../src/db/repositories/send-limiter.repository';
import type { PermitAnswer, PermitAsk } from '../src/domain/send-permit';
import type { MessagingRegistry } from '../src/providers/messaging-registry';
import type { OutboundMessage, SendResult } from '../src/providers/types';
import type { MessageWorkflowInput } from '../workflows/message.definitions';
import { OwnFailureTypes, toActivityFailure } from './to-failure';
import { atStorageBoundary, waitingOutStorage } from './storage-boundary';
import { summarise } from './message-summary';
import type { Metrics } from '../src/observability/metrics';
import type { MessageStatus } from '../src/domain/message';
import type { Moved } from '../src/db/repositories/message-history.repository';

export interface MessageActivityDeps {
  messages: MessageHistoryRepository;
  registry: MessagingRegistry;
  /** Per-sender send rate and priority line, shared by every worker (MongoDB). */
  limiter: SendLimiter;
}

/** How long a permit ask may wait inside its local activity before handing the wait to a durable timer. */
const INLINE_PERMIT_WAIT_MS = 2_000;

/** Send (a real activity, retried) and the short history writes (run as local activities). */
export function createMessageActivities(all: { messaging: MessageActivityDeps; metrics?: Metrics }) {
  const deps = all.messaging;
  /** Counts a transition only when this write made it, so retried and replayed writes count once. */
  const counted = (status: MessageStatus, moved: Moved) => {
    if (moved) all.metrics?.messageTransition(status, moved.provider);
  };
  const storage = (activity: string, r: { tenantId: string; messageId: string }) => ({
    activity,
    subject: `message ${r.tenantId}:${r.messageId}`,
    onRejected: () => all.metrics?.storageRejected(activity),
    onUnavailable: () => all.metrics?.storageUnavailable(activity),
  });
  const askPermit = (ask: PermitAsk) => {
    // A retried local activity may have joined the line before it failed: it leaves it when granted.
    const waited = ask.waited === true || Context.current().info.attempt > 1;
    const scope = { tenantId: ask.tenantId, messageId: ask.ticket };
    return atStorageBoundary(storage('requestSendPermit', scope), () =>
      deps.limiter.ask({ ...ask, waited }, INLINE_PERMIT_WAIT_MS),
    );
  };
  return {
    /**
     * 'recorded' (or already there), or 'rejected' when the database refused the message itself
     * (input that cannot be stored): then a minimal failed record without content is written, so the
     * message still ends in a visible state.
     */
    async recordMessageQueued(
      input: MessageWorkflowInput & { workflowId: string; permit?: PermitAsk },
    ): Promise<{ recorded: 'recorded' | 'rejected'; permit?: PermitAnswer }> {
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
          deps.messages.recordQueued(record, input.retry),
        );
        counted('queued', written ? { provider: input.provider } : null);
        // The first round's permit in the same local activity: a message that finds a token costs
        // no Temporal event for the rate limit.
        if (!input.permit) return { recorded: 'recorded' };
        return { recorded: 'recorded', permit: await askPermit(input.permit) };
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
          deps.messages.recordRejected(stub, 'unstorable_input', 'The message could not be stored'),
        );
        counted('failed', { provider: input.provider });
        return { recorded: 'rejected' };
      }
    },

    /**
     * A send round's permit from the sender's rate limiter: granted, or how long to wait before
     * asking again (short waits are waited here). Priority and FIFO decide who goes first.
     */
    async requestSendPermit(ask: PermitAsk): Promise<PermitAnswer> {
      return askPermit(ask);
    },

    /** A cancelled message leaves the sender's line. */
    async withdrawSendPermit(r: { tenantId: string; messageId: string; ticket: string }): Promise<void> {
      await atStorageBoundary(storage('withdrawSendPermit', r), () => deps.limiter.leave(r.ticket));
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
      const call = () => deps.registry.get(provider).send(message);
      // The first beat after a second, not at once: the server's heartbeat timeout runs from the
      // attempt's start anyway, and a beat is a call to the server and a write of the workflow's
      // state — for a send that answers within the second (nearly all), one per message (issue 14).
      const beat = setInterval(() => ctx.heartbeat(), 1_000);
      try {
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
          deps.messages.recordSent(r.tenantId, r.messageId, r.providerMessageId, new Date(r.at)),
        ),
      );
    },

    /** delivered or read; `deliveredAt` with a read whose delivered came in the same batch (one write for both). */
    async recordMessageDelivery(r: {
      tenantId: string;
      messageId: string;
      status: 'delivered' | 'read';
      at: string;
      deliveredAt?: string;
    }): Promise<void> {
      const moved = await atStorageBoundary(storage('recordMessageDelivery', r), () =>
        deps.messages.recordDelivery(
          r.tenantId,
          r.messageId,
          r.status,
          new Date(r.at),
          r.deliveredAt ? new Date(r.deliveredAt) : undefined,
        ),
      );
      if (r.deliveredAt) counted('delivered', moved);
      counted(r.status, moved);
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
          deps.messages.recordFailed(r.tenantId, r.messageId, { ...r, at: new Date(r.at) }),
        ),
      );
    },

    async recordMessageCancelled(r: { tenantId: string; messageId: string; at: string }): Promise<void> {
      counted(
        'cancelled',
        await atStorageBoundary(storage('recordMessageCancelled', r), () =>
          deps.messages.recordCancelled(r.tenantId, r.messageId, new Date(r.at)),
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
        deps.messages.recordRetrying(r.tenantId, r.messageId, {
          rounds: r.rounds,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          nextAttemptAt: new Date(r.nextAttemptAt),
        }),
      );
    },
  };
}
