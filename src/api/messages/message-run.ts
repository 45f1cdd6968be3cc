import type { Client } from '@temporalio/client';
import type { messageWorkflow } from '../../../workflows/message.workflow';
import type { MessageWorkflowInput } from '../../../workflows/message.definitions';
import {
  MessageStatusKey,
  ProviderKey,
  RecipientKey,
  SenderIdKey,
  TenantIdKey,
} from '../../temporal/search-attributes';
import type { RecipientHasher } from '../../temporal/recipient-hash';
import { workflowIds } from '../../temporal/workflow-ids';
import { messageSummary } from '../../temporal/workflow-summaries';

/**
 * Starts one run of a message's workflow (`message:<tenant>:<id>`): REJECT_DUPLICATE for a new
 * message (an idempotency key can never send twice), ALLOW_DUPLICATE for a retry of a failed one.
 * The request hash rides in the memo, so a racing duplicate can be compared without a worker.
 * `Recipient` holds the keyed hash of the number (issue 15), and is left out without a hash key.
 */
export async function startMessageRun(
  deps: { temporal: Client; taskQueue: string; recipientHash: RecipientHasher | undefined },
  input: MessageWorkflowInput,
  reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE',
): Promise<void> {
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
