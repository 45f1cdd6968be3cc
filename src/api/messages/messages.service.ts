import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { cancelMessageUpdate, type MessageWorkflowInput } from '../../../workflows/message.definitions';
import type { MessageHistoryDoc } from '../../db/models/message-history.model';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { isStorageUnavailable } from '../../db/storage-errors';
import { DomainError, notFound } from '../../domain/errors';
import type { MessagingRegistry, ResolvedSender } from '../../providers/messaging-registry';
import type { SendMessageRequest } from '../../schemas/message.schema';
import { withinWorkerTimeout } from '../../temporal/within';
import type { CustomerWindowPolicy } from './customer-window.policy';
import { createMessageReplay, messageIdFor, type Accepted } from './message-idempotency';
import { createMessageRuns, type MessageRunDeps, type MessageToRun } from './message-run';
import { requestHashOf } from './message-view';
import { createSendPolicy } from './send-policy';

export interface MessagesServiceDeps extends MessageRunDeps {
  messages: MessageHistoryRepository;
  registry: MessagingRegistry;
  maxRetries: number;
  waitSentMaxMs: number;
  /** Bound on waiting for a worker to answer a cancel. */
  commandTimeoutMs?: number;
  /** The 24-hour customer-service window, enforced for official senders; absent = not enforced. */
  customerWindow?: CustomerWindowPolicy;
}

/**
 * Messages between the /v1 routes and Temporal: accept, cancel, retry and the wait for `sent`. A
 * 2xx is only answered once the workflow has started (the message is durable); the database is
 * only read here, never written. Another tenant's message is simply not found (the workflow id
 * carries the tenant). Errors are domain errors. Its parts: `message-run.ts` (the workflow's input
 * and start), `message-idempotency.ts` (ids from keys, replays), `send-policy.ts` (which sender,
 * the 24-hour window).
 */
export function createMessagesService(deps: MessagesServiceDeps) {
  const runs = createMessageRuns(deps);
  const replay = createMessageReplay({ messages: deps.messages, runs });
  const senderFor = createSendPolicy(deps);

  return {
    async accept(
      tenantId: string,
      keyId: string,
      req: SendMessageRequest,
      idempotencyKey: string | null,
    ): Promise<Accepted> {
      const requestHash = requestHashOf(req);
      const messageId = messageIdFor(tenantId, idempotencyKey);
      // A retried request gets the message its key already made, whatever changed since (the
      // window closed, the sender removed): the replay is looked up before any check.
      const recorded = idempotencyKey ? await deps.messages.get(tenantId, messageId) : null;
      if (recorded) return replay(tenantId, messageId, requestHash, recorded);
      let sender: ResolvedSender;
      try {
        sender = await senderFor(tenantId, req);
      } catch (err) {
        // Accepted a moment ago and not recorded yet: its workflow exists.
        if (idempotencyKey && err instanceof DomainError && (await runs.exists(tenantId, messageId)))
          return replay(tenantId, messageId, requestHash);
        throw err;
      }
      const m: MessageToRun = {
        tenantId,
        messageId,
        senderId: req.from,
        provider: sender.provider.name,
        sessionId: sender.sessionId,
        senderUserId: keyId,
        priority: req.priority,
        to: req.to,
        recipientName: req.recipientName ?? null,
        content: req.content,
        metadata: req.metadata ?? null,
        idempotencyKey,
        requestHash,
        acceptedAt: new Date().toISOString(),
      };
      const validityMs = req.validitySeconds === undefined ? undefined : req.validitySeconds * 1000;
      try {
        await runs.start(m, { retry: false, validityMs, sender }, 'REJECT_DUPLICATE');
      } catch (err) {
        // Two requests with one key raced: the loser answers with the winner's message.
        if (err instanceof WorkflowExecutionAlreadyStartedError && idempotencyKey)
          return replay(tenantId, messageId, requestHash);
        throw err;
      }
      return { id: messageId, status: 'queued', replayed: false };
    },

    /** Only while queued: an update whose validator refuses otherwise. */
    async cancel(tenantId: string, messageId: string): Promise<void> {
      const doc = await deps.messages.get(tenantId, messageId);
      const conflict = (status: string) =>
        new DomainError(
          'conflict',
          'not_cancellable',
          `Message ${messageId} is ${status}; only a queued message can be cancelled`,
        );
      if (doc && doc.status !== 'queued') throw conflict(doc.status);
      try {
        await withinWorkerTimeout(
          runs.handleOf(tenantId, messageId).executeUpdate(cancelMessageUpdate),
          deps.commandTimeoutMs ?? 10_000,
          'No worker answered the cancel in time',
        );
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw conflict(
            (err.cause as Error | undefined)?.message?.replace(/^message is /, '') ?? 'not queued',
          );
        if (err instanceof WorkflowNotFoundError) {
          if (!doc) throw notFound('message', messageId);
          throw conflict((await deps.messages.get(tenantId, messageId))?.status ?? doc.status);
        }
        throw err;
      }
    },

    /** A failed, retryable message under the retry cap: a new run of its workflow. */
    async retry(tenantId: string, messageId: string): Promise<Accepted & { retryCount: number }> {
      const doc = await deps.messages.get(tenantId, messageId);
      if (!doc) throw notFound('message', messageId);
      if (doc.status !== 'failed' || !doc.retryable)
        throw new DomainError(
          'conflict',
          'not_retryable',
          `Message ${messageId} is ${doc.status}${doc.status === 'failed' ? ' with a permanent error' : ''}; only a failed, retryable message can be retried`,
        );
      if (doc.retryCount >= deps.maxRetries)
        throw new DomainError(
          'conflict',
          'retry_limit_reached',
          `Message ${messageId} already failed ${doc.retryCount} times (limit ${deps.maxRetries})`,
        );
      const sender = await deps.registry.resolveSender(tenantId, doc.senderId);
      const m: MessageToRun = {
        tenantId,
        messageId,
        senderId: doc.senderId,
        provider: doc.provider,
        sessionId: doc.sessionId,
        senderUserId: doc.senderUserId,
        priority: doc.priority,
        to: doc.recipientPhone,
        recipientName: doc.recipientName,
        content: doc.content as unknown as MessageWorkflowInput['content'],
        metadata: doc.metadata,
        idempotencyKey: doc.idempotencyKey,
        requestHash: doc.requestHash,
        acceptedAt: doc.createdAt.toISOString(),
      };
      const run = {
        retry: true,
        validityMs: doc.validityMs,
        sender,
        broadcastRecipient: Boolean(doc.broadcastId),
      };
      try {
        await runs.start(m, run, 'ALLOW_DUPLICATE');
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          throw new DomainError(
            'conflict',
            'retry_in_progress',
            `Message ${messageId} is already being retried`,
          );
        throw err;
      }
      return { id: messageId, status: 'queued', replayed: false, retryCount: doc.retryCount };
    },

    /** `?wait=sent`: polls the history until the message left `queued`, or the bound passes. */
    async waitUntilSent(tenantId: string, messageId: string): Promise<MessageHistoryDoc | null> {
      const deadline = Date.now() + deps.waitSentMaxMs;
      let doc: MessageHistoryDoc | null = null;
      for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
        try {
          doc = await deps.messages.get(tenantId, messageId);
        } catch (err) {
          // The message is durable already: a database outage only ends the wait (202, queued), never a 503.
          if (isStorageUnavailable(err)) return doc;
          throw err;
        }
        if (doc && doc.status !== 'queued') return doc;
        await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
      }
      return doc;
    },

    /** A message accepted a moment ago whose queued record is not written yet: its workflow exists. */
    acceptedButUnrecorded: runs.exists,
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
