import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MessageSettings, MessageWorkflowInput } from '../../../workflows/message.definitions';
import type { messageWorkflow } from '../../../workflows/message.workflow';
import type { ResolvedSender } from '../../providers/messaging-registry';
import type { RecipientHasher } from '../../temporal/recipient-hash';
import {
  MessageStatusKey,
  ProviderKey,
  RecipientKey,
  SenderIdKey,
  TenantIdKey,
} from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/workflow-ids';
import { messageSummary } from '../../temporal/workflow-summaries';

/** What a run sends: the request at accept, the stored record at retry. */
export type MessageToRun = Omit<
  MessageWorkflowInput,
  'retry' | 'validityMs' | 'notify' | 'followStatuses' | 'followRead' | 'settings'
>;

/** How a run differs from the message it sends. */
export interface RunOptions {
  retry: boolean;
  validityMs: number | null | undefined;
  sender: ResolvedSender | null;
  /** A broadcast recipient's retry: its statuses go to its record, not to this run (issue 18). */
  broadcastRecipient?: boolean;
}

/** The message workflow's input: the one place it is built (accept and retry). */
export function messageWorkflowInput(
  settings: MessageSettings,
  m: MessageToRun,
  run: RunOptions & { notify: boolean },
): MessageWorkflowInput {
  return {
    ...m,
    retry: run.retry,
    // A retried run gets the validity the request asked for, counted afresh from its start.
    ...(run.validityMs == null ? {} : { validityMs: run.validityMs }),
    notify: run.notify,
    // The sender may be gone by a retry; its provider still decides whether statuses will follow.
    followStatuses: run.sender?.provider.acknowledgesDelivery !== false && run.broadcastRecipient !== true,
    // Only a status callback needs the run to wait for `read` (issue 14).
    followRead: run.notify,
    settings,
  };
}

export interface MessageRunDeps {
  temporal: Client;
  taskQueue: string;
  settings: MessageSettings;
  /** Whether the tenant has a status callback (read when a run starts). */
  callbacks: { get(tenantId: string): Promise<unknown> };
  /** The `Recipient` search attribute's keyed hash (TEMPORAL_RECIPIENT_HASH_KEY); undefined = not set. */
  recipientHash: RecipientHasher | undefined;
}

/** A message's workflow runs in Temporal: its handle, whether one exists, and starting one. */
export function createMessageRuns(deps: MessageRunDeps) {
  const handleOf = (tenantId: string, messageId: string) =>
    deps.temporal.workflow.getHandle(workflowIds.message(tenantId, messageId));
  const notifies = async (tenantId: string) => (await deps.callbacks.get(tenantId)) !== null;

  return {
    handleOf,

    async exists(tenantId: string, messageId: string): Promise<boolean> {
      try {
        await handleOf(tenantId, messageId).describe();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    /** The request hash a started run carries in its memo (before its record is written). */
    async memoHash(tenantId: string, messageId: string): Promise<string | undefined> {
      const memo = (await handleOf(tenantId, messageId).describe()).memo as
        { requestHash?: string } | undefined;
      return memo?.requestHash;
    },

    /**
     * Starts one run of a message's workflow: REJECT_DUPLICATE for a new message (an idempotency key
     * can never send twice), ALLOW_DUPLICATE for a retry of a failed one. The request hash rides in
     * the memo, so a racing duplicate can be compared without a worker. `Recipient` holds the keyed
     * hash of the number (issue 15), and is left out without a hash key.
     */
    async start(m: MessageToRun, run: RunOptions, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') {
      const input = messageWorkflowInput(deps.settings, m, { ...run, notify: await notifies(m.tenantId) });
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
    },
  };
}

export type MessageRuns = ReturnType<typeof createMessageRuns>;
