import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MessageSettings, MessageWorkflowInput } from '../../../workflows/message.definitions';
import type { MessageHistoryDoc } from '../../db/models/message-history.model';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import { DomainError } from '../../domain/errors';
import type { MessageStatus } from '../../domain/message';
import type { MessagingRegistry } from '../../providers/messaging-registry';
import type { SendMessageRequest } from '../../schemas/message.schema';
import { workflowIds } from '../../temporal/workflow-ids';
import { createMessageLifecycle } from './message-lifecycle';
import { startMessageRun } from './message-run';
import { idForKey, requestHashOf } from './message-view';
import { isOfficialProvider } from '../../domain/official-sender';
import { isStorageUnavailable } from '../../db/storage-errors';
import type { CustomerWindowPolicy } from './customer-window.policy';
import type { RecipientHasher } from '../../temporal/recipient-hash';

export interface MessagesApiDeps {
  temporal: Client;
  taskQueue: string;
  messages: MessageHistoryRepository;
  registry: MessagingRegistry;
  settings: MessageSettings;
  maxRetries: number;
  waitSentMaxMs: number;
  /** Bound on waiting for a worker to answer a cancel. */
  commandTimeoutMs?: number;
  /** Whether the tenant has a status callback (read at accept time). */
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

/**
 * Accept, cancel and retry: the API side of the message workflow. A 2xx is only answered once the
 * workflow has started (the message is durable); the database is never written here.
 */
export function createMessageCommands(deps: MessagesApiDeps) {
  const handleOf = (tenantId: string, id: string) =>
    deps.temporal.workflow.getHandle(workflowIds.message(tenantId, id));

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
  async function acceptable(tenantId: string, req: SendMessageRequest) {
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
        {
          supportedTypes: [...sender.provider.supportedTypes],
        },
      );
    if (deps.customerWindow && isOfficialProvider(sender.provider.name))
      await deps.customerWindow.check(tenantId, req);
    return sender;
  }

  /** (The workflow id carries the tenant, so another tenant's id is simply not found.) */
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
    ...createMessageLifecycle(deps),

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
      let sender: Awaited<ReturnType<typeof acceptable>>;
      try {
        sender = await acceptable(tenantId, req);
      } catch (err) {
        // Accepted a moment ago and not recorded yet: its workflow exists.
        if (idempotencyKey && err instanceof DomainError && (await workflowExists(tenantId, messageId)))
          return replay(tenantId, messageId, requestHash);
        throw err;
      }
      const input: MessageWorkflowInput = {
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
        retry: false,
        ...(req.validitySeconds === undefined ? {} : { validityMs: req.validitySeconds * 1000 }),
        notify: deps.callbacks ? (await deps.callbacks.get(tenantId)) !== null : false,
        followStatuses: sender.provider.acknowledgesDelivery !== false,
        settings: deps.settings,
      };
      try {
        await startMessageRun(deps, input, 'REJECT_DUPLICATE');
      } catch (err) {
        // Two requests with one key raced: the loser answers with the winner's message.
        if (err instanceof WorkflowExecutionAlreadyStartedError && idempotencyKey)
          return replay(tenantId, messageId, requestHash);
        throw err;
      }
      return { id: messageId, status: 'queued', replayed: false };
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

export type MessageCommands = ReturnType<typeof createMessageCommands>;
