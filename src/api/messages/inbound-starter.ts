import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { inboundMessageWorkflow } from '../../../workflows/inbound.workflow';
import type { InboundMessageEvent } from '../../domain/message';
import {
  ProviderKey,
  ProviderMessageIdKey,
  SenderIdKey,
  TenantIdKey,
} from '../../temporal/search-attributes';
import { workflowIds } from '../../temporal/workflow-ids';
import { inboundSummary } from '../../temporal/workflow-summaries';

export interface InboundStartDeps {
  temporal: Client;
  taskQueue: string;
  /** Whether the tenant has a callback to forward to; absent = never forward. */
  callbacks?: { get(tenantId: string): Promise<unknown> };
  callbackMaxAttempts: number;
  callbackRetryInitialMs: number;
}

/**
 * Starts one inbound message's workflow. Its id is `inbound:<tenant>:<provider>:<provider id>`,
 * so a redelivered webhook finds it already started: `'duplicate'`, nothing stored or sent twice.
 */
export async function startInboundWorkflow(
  deps: InboundStartDeps,
  owner: { tenantId: string; senderId: string },
  m: InboundMessageEvent,
): Promise<'started' | 'duplicate'> {
  const notify = deps.callbacks ? (await deps.callbacks.get(owner.tenantId)) !== null : false;
  try {
    await deps.temporal.workflow.start<typeof inboundMessageWorkflow>('inboundMessageWorkflow', {
      workflowId: workflowIds.inbound(owner.tenantId, m.provider, m.providerMessageId),
      taskQueue: deps.taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...inboundSummary({ ...owner, ...m }),
      typedSearchAttributes: [
        { key: TenantIdKey, value: owner.tenantId },
        { key: SenderIdKey, value: owner.senderId },
        { key: ProviderKey, value: m.provider },
        { key: ProviderMessageIdKey, value: m.providerMessageId },
      ],
      args: [
        {
          tenantId: owner.tenantId,
          senderId: owner.senderId,
          message: m,
          notify,
          callbackMaxAttempts: deps.callbackMaxAttempts,
          callbackRetryInitialMs: deps.callbackRetryInitialMs,
        },
      ],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    throw err;
  }
}
