import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { cancelMessageUpdate, type MessageWorkflowInput } from '../../../workflows/message.definitions';
import { DomainError, notFound } from '../../domain/errors';
import { withinWorkerTimeout } from '../../temporal/within';
import { workflowIds } from '../../temporal/workflow-ids';
import type { Accepted, MessagesApiDeps } from './message-commands';
import { startMessageRun } from './message-run';

/** Cancel (only while queued: an update whose validator refuses otherwise) and retry (failed, retryable, under the cap). */
export function createMessageLifecycle(deps: MessagesApiDeps) {
  const handleOf = (tenantId: string, id: string) =>
    deps.temporal.workflow.getHandle(workflowIds.message(tenantId, id));
  return {
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
      // The sender may be gone since; its provider still decides whether statuses will follow.
      const sender = await deps.registry.resolveSender(tenantId, doc.senderId);
      const input: MessageWorkflowInput = {
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
        retry: true,
        // The retried run gets the validity the request asked for, counted afresh from now.
        ...(doc.validityMs == null ? {} : { validityMs: doc.validityMs }),
        notify: deps.callbacks ? (await deps.callbacks.get(tenantId)) !== null : false,
        followStatuses: sender?.provider.acknowledgesDelivery !== false,
        settings: deps.settings,
      };
      try {
        await startMessageRun(deps, input, 'ALLOW_DUPLICATE');
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
  };
}
