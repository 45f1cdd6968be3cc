import { randomBytes } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import {
  cancelMessageUpdate,
  type MessageSettings,
  type MessageWorkflowInput,
} from '../../../workflows/message.definitions';
import type { messageWorkflow } from '../../../workflows/message.workflow';
import type { MessageHistoryDoc } from '../../db/models/message-history.model';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { isStorageUnavailable } from '../../db/storage-errors';
import { DomainError, notFound } from '../../domain/errors';
import type { MessageStatus } from '../../domain/message';
import { isOfficialProvider } from '../../domain/official-sender';
import type { MessagingRegistry, ResolvedSender } from '../../providers/messaging-registry';
import type { SendMessageRequest } from '../../schemas/message.schema';
import type { RecipientHasher } from '../../temporal/recipient-hash';
import {
  MessageStatusKey,
  ProviderKey,
  RecipientKey,
  SenderIdKey,
  TenantIdKey,
} from '../../temporal/search-attributes';
import { withinWorkerTimeout } from '../../temporal/within';
import { workflowIds } from '../../temporal/workflow-ids';
import { messageSummary } from '../../temporal/workflow-summaries';
import type { CustomerWindowPolicy } from './customer-window.policy';
import { idForKey, requestHashOf } from './message-view';

export interface MessagesServiceDeps {
  temporal: Client;
  taskQueue: string;
  messages: MessageHistoryRepository;
  registry: MessagingRegistry;
  settings: MessageSettings;
  maxRetries: number;
  waitSentMaxMs: number;
  /** Bound on waiting for a worker to answer a cancel. */
  commandTimeoutMs?: number;
  /** Whether the tenant has a status callback (read when a run starts). */
  callbacks?: { get(tenantId: string): Promise<unknown> };
  /** The 24-hour customer-service window, enforced for official senders; absent = not enforced. */
  customerWindow?: CustomerWindowPolicy;
  /** The `Recipient` search attribute's keyed hash (TEMPORAL_RECIPIENT_HASH_KEY); undefined = not set. */
  recipientHash: RecipientHasher | undefined;
}

export interface Accepted {
  id: string;
  status: MessageStatus;
  replayed: boolean;
}

/** What a run sends: the request at accept, the stored record at retry. */
export type MessageToRun = Omit<
  MessageWorkflowInput,
  'retry' | 'validityMs' | 'notify' | 'followStatuses' | 'settings'
>;

/** The message workflow's input: the one place it is built (accept and retry). */
export function messageWorkflowInput(
  settings: MessageSettings,
  m: MessageToRun,
  run: {
    retry: boolean;
    validityMs: number | null | undefined;
    notify: boolean;
    sender: ResolvedSender | null;
    /** A broadcast recipient's retry: its statuses go to its record, not to this run (issue 18). */
    broadcastRecipient?: boolean;
  },
): MessageWorkflowInput {
  return {
    ...m,
    retry: run.retry,
    // A retried run gets the validity the request asked for, counted afresh from its start.
    ...(run.validityMs == null ? {} : { validityMs: run.validityMs }),
    notify: run.notify,
    // The sender may be gone by a retry; its provider still decides whether statuses will follow.
    followStatuses: run.sender?.provider.acknowledgesDelivery !== false && run.broadcastRecipient !== true,
    settings,
  };
}

/**
 * Messages between the /v1 routes and Temporal: accept, cancel, retry and the wait for `sent`. A
 * 2xx is only answered once the workflow has started (the message is durable); the database is
 * only read here, never written. Another tenant's message is simply not found (the workflow id
 * carries the tenant). Errors are domain errors.
 */
export function createMessagesService(deps: MessagesServiceDeps) {
  const handleOf = (tenantId: string, id: string) =>
    deps.temporal.workflow.getHandle(workflowIds.message(tenantId, id));
  const notifies = async (tenantId: string) =>
    deps.callbacks ? (await deps.callbacks.get(tenantId)) !== null : false;

  /**
   * Starts one run of a message's workflow: REJECT_DUPLICATE for a new message (an idempotency key
   * can never send twice), ALLOW_DUPLICATE for a retry of a failed one. The request hash rides in
   * the memo, so a racing duplicate can be compared without a worker. `Recipient` holds the keyed
   * hash of the number (issue 15), and is left out without a hash key.
   */
  async function startRun(input: MessageWorkflowInput, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') {
    await deps.temporal.workflow.start<typeof messageWorkflow>('messageWorkflow', {
      workflowId: workflowIds.message(input.tenantId, input.messageId),
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdReusePolicy: reuse,
      workflowIdConflictPolicy: 'FAIL',
      memo: { requestHash: input.requestHash },
      ...messageSummary(input),
      typedSearchAttributes: [
        { key: TenantIdKey, value: input.tenantId },
        { key: SenderIdKey, value: input.senderId },
        ...(deps.recipientHash ? [{ key: RecipientKey, value: deps.recipientHash(input.to) }] : []),
        { key: ProviderKey, value: input.provider },
        { key: MessageStatusKey, value: 'queued' },
      ],
    });
  }

  async function replay(
    tenantId: string,
    messageId: string,
    requestHash: string,
    recorded?: MessageHistoryDoc,
  ): Promise<Accepted> {
    const doc = recorded ?? (await deps.messages.get(tenantId, messageId));
    let storedHash = doc?.requestHash;
    if (!storedHash) {
      const memo = (await handleOf(tenantId, messageId).describe()).memo as
        { requestHash?: string } | undefined;
      storedHash = memo?.requestHash;
    }
    if (storedHash !== requestHash)
      throw new DomainError(
        'conflict',
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body',
        { id: messageId },
      );
    return { id: messageId, status: doc?.status ?? 'queued', replayed: true };
  }

  /** The sender that will send `req`, or the 422 saying why none can. */
  async function acceptable(tenantId: string, req: SendMessageRequest): Promise<ResolvedSender> {
    const sender = await deps.registry.resolveSender(tenantId, req.from);
    if (!sender)
      throw new DomainError(
        'unprocessable',
        'unknown_sender',
        `No sender or session ${req.from} for this tenant`,
      );
    if (!sender.provider.supportedTypes.has(req.content.type))
      throw new DomainError(
        'unprocessable',
        'unsupported_message_type',
        `Sender ${req.from} (${sender.provider.name}) cannot send ${req.content.type} messages`,
        { supportedTypes: [...sender.provider.supportedTypes] },
      );
    if (deps.customerWindow && isOfficialProvider(sender.provider.name))
      await deps.customerWindow.check(tenantId, req);
    return sender;
  }

  async function workflowExists(tenantId: string, messageId: string): Promise<boolean> {
    try {
      await handleOf(tenantId, messageId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    async accept(
      tenantId: string,
      keyId: string,
      req: SendMessageRequest,
      idempotencyKey: string | null,
    ): Promise<Accepted> {
      const requestHash = requestHashOf(req);
      const messageId = idempotencyKey
        ? idForKey('msg', tenantId, idempotencyKey)
        : `msg_${randomBytes(16).toString('base64url')}`;
      // A retried request gets the message its key already made, whatever changed since (the
      // window closed, the sender removed): the replay is looked up before any check.
      const recorded = idempotencyKey ? await deps.messages.get(tenantId, messageId) : null;
      if (recorded) return replay(tenantId, messageId, requestHash, recorded);
      let sender: ResolvedSender;
      try {
        sender = await acceptable(tenantId, req);
      } catch (err) {
        // Accepted a moment ago and not recorded yet: its workflow exists.
        if (idempotencyKey && err instanceof DomainError && (await workflowExists(tenantId, messageId)))
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
      const input = messageWorkflowInput(deps.settings, m, {
        retry: false,
        validityMs,
        notify: await notifies(tenantId),
        sender,
      });
      try {
        await startRun(input, 'REJECT_DUPLICATE');
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
          handleOf(tenantId, messageId).executeUpdate(cancelMessageUpdate),
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
      const input = messageWorkflowInput(deps.settings, m, {
        retry: true,
        validityMs: doc.validityMs,
        notify: await notifies(tenantId),
        sender,
        broadcastRecipient: Boolean(doc.broadcastId),
      });
      try {
        await startRun(input, 'ALLOW_DUPLICATE');
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
    acceptedButUnrecorded: workflowExists,
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
