import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { messageStatusSignal } from '../../../workflows/message.definitions';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import type { MessageStatusEvent } from '../../domain/message';
import type { Logger } from '../../logging/logger';
import { workflowIds } from '../../temporal/workflow-ids';

export interface StatusSignalDeps {
  temporal: Client;
  messages: Pick<MessageHistoryRepository, 'findByProviderMessageId' | 'recordLateDelivery'>;
  logger: Logger;
}

/** `tenantId`: the tenant a BSP webhook authenticated; `ref`: our reference the provider echoed. */
export interface StatusScope {
  tenantId?: string;
  ref?: { tenantId: string; messageId: string } | null;
}

export type StatusOutcome = 'signalled' | 'unknown' | 'stopped' | 'late_applied' | 'foreign';

/**
 * Hands one provider status to its message's workflow, which applies it only if it moves the
 * message forward (duplicates and late arrivals change nothing). The owner is our reference when
 * the provider echoed it (Meta/360dialog biz_opaque_callback_data, Twilio `?ref=`), else the
 * provider id mapping. `tenantId` confines a BSP webhook, which authenticated one sender, to that
 * sender's tenant: a reference or mapping naming another tenant is ignored ('foreign').
 */
export async function signalMessageStatus(
  deps: StatusSignalDeps,
  provider: string,
  ev: MessageStatusEvent,
  scope: StatusScope = {},
): Promise<StatusOutcome> {
  const log = { provider, providerMessageId: ev.providerMessageId, status: ev.status };
  let owner =
    scope.ref ?? (ev.tenantId && ev.messageId ? { tenantId: ev.tenantId, messageId: ev.messageId } : null);
  if (owner && scope.tenantId !== undefined && owner.tenantId !== scope.tenantId) {
    deps.logger.warn({ ...log, tenantId: scope.tenantId }, 'status reference names another tenant: ignored');
    owner = null;
  }
  owner ??= await deps.messages.findByProviderMessageId(provider, ev.providerMessageId);
  if (!owner) {
    deps.logger.warn(log, 'status for an unknown message');
    return 'unknown';
  }
  if (scope.tenantId !== undefined && owner.tenantId !== scope.tenantId) {
    deps.logger.warn({ ...log, tenantId: scope.tenantId }, 'status for another tenant’s message: ignored');
    return 'foreign';
  }
  try {
    await deps.temporal.workflow
      .getHandle(workflowIds.message(owner.tenantId, owner.messageId))
      .signal(messageStatusSignal, ev);
    return 'signalled';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The workflow stopped following statuses: final, or its status timeout passed. A delivered or
    // read that comes later still moves the record forward (a conditional, forward-only write).
    const late =
      (ev.status === 'delivered' || ev.status === 'read') &&
      (await deps.messages.recordLateDelivery(
        owner.tenantId,
        owner.messageId,
        ev.providerMessageId,
        ev.status,
        new Date(ev.at),
      ));
    deps.logger.info(
      { ...log, messageId: owner.messageId, applied: late },
      'status after the message stopped following',
    );
    return late ? 'late_applied' : 'stopped';
  }
}

/**
 * Hands statuses whose owner a webhook established (status-authority.ts) to their workflows, each
 * confined to its owner's tenant; `sent` is skipped as in signalStatuses.
 */
export async function signalOwnedStatuses(
  deps: StatusSignalDeps,
  provider: string,
  owned: { ev: MessageStatusEvent; tenantId: string }[],
): Promise<void> {
  await Promise.all(
    owned
      .filter(({ ev }) => ev.status !== 'sent')
      .map(({ ev, tenantId }) => signalMessageStatus(deps, provider, ev, { tenantId })),
  );
}

/**
 * Hands a webhook's statuses to their workflows (see signalMessageStatus). `sent` is what our send
 * activity already recorded from the provider's answer: signalling it would only cost the workflow
 * a task (throughput), so only later statuses are delivered.
 */
export async function signalStatuses(
  deps: StatusSignalDeps,
  provider: string,
  events: MessageStatusEvent[],
  scope: StatusScope = {},
): Promise<void> {
  await Promise.all(
    events.filter((ev) => ev.status !== 'sent').map((ev) => signalMessageStatus(deps, provider, ev, scope)),
  );
}
