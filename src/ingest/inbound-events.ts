import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { inboundMessageWorkflow } from '../../workflows/inbound.workflow';
import type { InboundMessageEvent } from '../domain/message';
import { ProviderKey, ProviderMessageIdKey, SenderIdKey, TenantIdKey } from '../temporal/search-attributes';
import { workflowIds } from '../temporal/workflow-ids';
import { inboundSummary } from '../temporal/workflow-summaries';
import { memo } from './memo';

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
  owner: InboundOwner,
  m: InboundMessageEvent,
): Promise<'started' | 'duplicate'> {
  return start(deps, owner, m, await hasCallback(deps, owner.tenantId));
}

/**
 * Starts the inbound workflow of every message of one webhook. Who owns a receiving number and
 * whether a tenant has a callback are looked up once per webhook, not once per message; a message
 * `ownerOf` finds no owner for (null) is skipped.
 */
export async function startInboundWorkflows(
  deps: InboundStartDeps,
  messages: InboundMessageEvent[],
  ownerOf: (recipientAccountId: string) => Promise<InboundOwner | null>,
): Promise<void> {
  const owners = memo(ownerOf);
  const notify = memo((tenantId: string) => hasCallback(deps, tenantId));
  await Promise.all(
    messages.map(async (m) => {
      const owner = await owners(m.recipientAccountId);
      if (owner) await start(deps, owner, m, await notify(owner.tenantId));
    }),
  );
}

export interface InboundOwner {
  tenantId: string;
  senderId: string;
}

async function hasCallback(deps: InboundStartDeps, tenantId: string): Promise<boolean> {
  return deps.callbacks ? (await deps.callbacks.get(tenantId)) !== null : false;
}

async function start(
  deps: InboundStartDeps,
  owner: InboundOwner,
  m: InboundMessageEvent,
  notify: boolean,
): Promise<'started' | 'duplicate'> {
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
