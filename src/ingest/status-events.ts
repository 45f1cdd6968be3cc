import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { messageStatusesSignal } from '../../workflows/message.definitions';
import type {
  MessageHistoryRepository,
  RecipientStatus,
} from '../db/repositories/message-history.repository';
import { parseRecipientMessageId } from '../domain/broadcast';
import type { MessageStatusEvent } from '../domain/message';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';
import { workflowIds } from '../temporal/workflow-ids';

export interface StatusSignalDeps {
  temporal: Client;
  messages: Pick<
    MessageHistoryRepository,
    'findByProviderMessageId' | 'recordLateDelivery' | 'recordRecipientStatuses'
  >;
  logger: Logger;
  /** Counts a late delivered/read this process wrote (the worker counts the rest). */
  metrics?: Pick<Metrics, 'messageTransition'>;
}

/** `tenantId`: the tenant a BSP webhook authenticated; `ref`: our reference the provider echoed. */
export interface StatusScope {
  tenantId?: string;
  ref?: { tenantId: string; messageId: string } | null;
}

export type StatusOutcome = 'signalled' | 'unknown' | 'stopped' | 'late_applied' | 'foreign' | 'recorded';

/**
 * Hands provider statuses to their messages' workflows, which apply a status only if it moves the
 * message forward (duplicates and late arrivals change nothing). The owner is our reference when
 * the provider echoed it (Meta/360dialog biz_opaque_callback_data, Twilio `?ref=`), else the
 * provider id mapping. `tenantId` confines a BSP webhook, which authenticated one sender, to that
 * sender's tenant: a reference or mapping naming another tenant is ignored ('foreign').
 * A message's statuses in one call go as one signal: one workflow task for the burst, not one each.
 */
async function signalMessageStatuses(
  deps: StatusSignalDeps,
  provider: string,
  items: { ev: MessageStatusEvent; scope: StatusScope }[],
): Promise<StatusOutcome[]> {
  const owners = await Promise.all(items.map(({ ev, scope }) => ownerOf(deps, provider, ev, scope)));
  const groups = new Map<
    string,
    { owner: { tenantId: string; messageId: string }; evs: MessageStatusEvent[] }
  >();
  const outcomes: StatusOutcome[] = [];
  items.forEach(({ ev }, i) => {
    const owner = owners[i] as (typeof owners)[number];
    if (typeof owner === 'string') return void outcomes.push(owner);
    const key = `${owner.tenantId}:${owner.messageId}`;
    const group = groups.get(key) ?? { owner, evs: [] };
    group.evs.push(ev);
    groups.set(key, group);
  });
  // A broadcast's recipients have no workflow: their statuses go straight to their records, one
  // bulk write per tenant for the whole webhook (issue 18).
  const recipients = new Map<string, RecipientStatus[]>();
  const single: { owner: { tenantId: string; messageId: string }; evs: MessageStatusEvent[] }[] = [];
  for (const g of groups.values()) {
    if (!parseRecipientMessageId(g.owner.messageId)) {
      single.push(g);
      continue;
    }
    const list = recipients.get(g.owner.tenantId) ?? [];
    for (const ev of g.evs)
      if (ev.status !== 'sent')
        list.push({
          messageId: g.owner.messageId,
          providerMessageId: ev.providerMessageId,
          status: ev.status,
          at: new Date(ev.at),
          error: ev.error ? { code: ev.error.code ?? null, message: ev.error.message } : null,
        });
    recipients.set(g.owner.tenantId, list);
  }
  await Promise.all(
    [...recipients].map(async ([tenantId, list]) => {
      await deps.messages.recordRecipientStatuses(tenantId, list);
      outcomes.push(...list.map(() => 'recorded' as const));
    }),
  );
  for (const outcome of await Promise.all(
    single.map(({ owner, evs }) => signalOwner(deps, provider, owner, evs)),
  ))
    outcomes.push(...outcome);
  return outcomes;
}

async function ownerOf(
  deps: StatusSignalDeps,
  provider: string,
  ev: MessageStatusEvent,
  scope: StatusScope,
): Promise<{ tenantId: string; messageId: string } | 'unknown' | 'foreign'> {
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
  return owner;
}

async function signalOwner(
  deps: StatusSignalDeps,
  provider: string,
  owner: { tenantId: string; messageId: string },
  evs: MessageStatusEvent[],
): Promise<StatusOutcome[]> {
  try {
    await deps.temporal.workflow
      .getHandle(workflowIds.message(owner.tenantId, owner.messageId))
      .signal(messageStatusesSignal, evs);
    return evs.map(() => 'signalled' as const);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  // The workflow stopped following statuses: final, its status timeout passed, or it ended at
  // delivered (no status callback to make for a read). A delivered or read that comes later still
  // moves the record forward (a conditional, forward-only write).
  const outcomes: StatusOutcome[] = [];
  for (const ev of evs) {
    const late =
      (ev.status === 'delivered' || ev.status === 'read') &&
      (await deps.messages.recordLateDelivery(
        owner.tenantId,
        owner.messageId,
        ev.providerMessageId,
        ev.status,
        new Date(ev.at),
      ));
    if (late) deps.metrics?.messageTransition(ev.status as 'delivered' | 'read', provider);
    // A read after a run that ended at delivered is the usual path, not news: debug.
    deps.logger[late ? 'debug' : 'info'](
      {
        provider,
        providerMessageId: ev.providerMessageId,
        status: ev.status,
        messageId: owner.messageId,
        applied: late,
      },
      'status after the message stopped following',
    );
    outcomes.push(late ? 'late_applied' : 'stopped');
  }
  return outcomes;
}

/** A status and what the webhook that carried it authenticated (see signalMessageStatuses). */
export interface ScopedStatus {
  ev: MessageStatusEvent;
  scope: StatusScope;
}

/**
 * Hands a webhook's statuses to their workflows (see signalMessageStatuses). `sent` is what our send
 * activity already recorded from the provider's answer: signalling it would only cost the workflow
 * a task (throughput), so only later statuses are delivered.
 */
export async function signalStatuses(
  deps: StatusSignalDeps,
  provider: string,
  statuses: ScopedStatus[],
): Promise<void> {
  await signalMessageStatuses(
    deps,
    provider,
    statuses.filter(({ ev }) => ev.status !== 'sent'),
  );
}
