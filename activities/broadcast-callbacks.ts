import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TenantLimiter } from '../src/callbacks/tenant-limiter';
import type { MessageHistoryDoc } from '../src/db/models/message-history.model';
import type { BroadcastRepository } from '../src/db/repositories/broadcast.repository';
import type { MessageStatus } from '../src/domain/message';
import {
  sendCallback,
  TENANT_SLOT_WAIT_MS,
  type CallbackActivityDeps,
  type StatusCallbackEvent,
} from './callbacks.activities';

/**
 * Reports recipients' status changes to the tenant's callback: each status the callback has not
 * heard of yet, in order (sent, delivered, read; or failed / cancelled), at the times the record
 * holds. A delivery that fails stays pending for the next sweep, up to `maxAttempts` sweeps.
 */
export async function notifyBroadcast(
  repo: BroadcastRepository,
  cb: CallbackActivityDeps | undefined,
  callbackSlots: TenantLimiter | null,
  r: {
    tenantId: string;
    broadcastId: string;
    maxAttempts: number;
  },
): Promise<{ notified: number; pending: number; open: number }> {
  const ctx = Context.current();
  const pending = await repo.pendingNotifications(r.tenantId, r.broadcastId, 200);
  if (!cb || !callbackSlots)
    return {
      notified: 0,
      pending: pending.length,
      open: await repo.openCount(r.tenantId, r.broadcastId),
    };
  const target = await cb.repo.target(r.tenantId);
  const sweep: Sweep = { repo, cb, ctx, r, notified: 0 };
  let i = 0;
  const worker = async () => {
    for (;;) {
      const doc = pending[i++];
      if (!doc) return;
      if (!target) {
        await repo.markNotified(r.tenantId, doc.messageId, doc.status, {
          delivered: false,
          gaveUp: true,
        });
        continue;
      }
      const release = await callbackSlots.acquire(r.tenantId, TENANT_SLOT_WAIT_MS, ctx.cancellationSignal);
      // The tenant's slots are taken by other callbacks: the rest waits for the next sweep.
      if (!release) return;
      try {
        await deliver(sweep, target, doc);
      } finally {
        release();
      }
      ctx.heartbeat();
    }
  };
  await Promise.all(Array.from({ length: cb.maxConcurrentPerTenant }, worker));
  return {
    notified: sweep.notified,
    // A full page may have more behind it.
    pending: pending.length - sweep.notified + (pending.length === 200 ? 1 : 0),
    open: await repo.openCount(r.tenantId, r.broadcastId),
  };
}

type CallbackTarget = NonNullable<Awaited<ReturnType<CallbackActivityDeps['repo']['target']>>>;

/** One sweep: what its deliveries share, and how many reached the callback. */
interface Sweep {
  repo: BroadcastRepository;
  cb: CallbackActivityDeps;
  ctx: Context;
  r: { tenantId: string; broadcastId: string; maxAttempts: number };
  notified: number;
}

/** One recipient's statuses to the callback; its record marked delivered, or not (given up after maxAttempts). */
async function deliver(s: Sweep, target: CallbackTarget, doc: MessageHistoryDoc): Promise<void> {
  const { repo, cb, ctx, r } = s;
  try {
    for (const payload of statusEvents(doc, r.broadcastId)) {
      const signal = AbortSignal.any([AbortSignal.timeout(cb.timeoutMs), ctx.cancellationSignal]);
      await sendCallback(cb, target, payload, signal);
    }
    s.notified++;
    await repo.markNotified(r.tenantId, doc.messageId, doc.status, { delivered: true });
  } catch (err) {
    const attempts = (doc.notifyAttempts ?? 0) + 1;
    const gaveUp =
      attempts >= r.maxAttempts || (err instanceof ApplicationFailure && err.nonRetryable === true);
    if (gaveUp)
      log.warn('broadcast recipient callback given up', {
        tenantId: r.tenantId,
        messageId: doc.messageId,
        error: (err as Error).message,
      });
    await repo.markNotified(r.tenantId, doc.messageId, doc.status, { delivered: false, gaveUp });
  }
}

const ORDER: MessageStatus[] = ['sent', 'delivered', 'read'];

/** The status events the callback has not heard of: every step from the last one it heard to now. */
function statusEvents(
  doc: MessageHistoryDoc,
  broadcastId: string,
): (StatusCallbackEvent & { broadcastId: string })[] {
  const event = (status: MessageStatus, at: Date | null) => ({
    event: 'message.status' as const,
    messageId: doc.messageId,
    broadcastId,
    status,
    providerMessageId: doc.providerMessageId ?? null,
    at: (at ?? doc.updatedAt).toISOString(),
    error:
      status === 'failed' && doc.errorMessage != null
        ? { code: doc.errorCode ?? null, message: doc.errorMessage }
        : null,
    metadata: doc.metadata ?? null,
  });
  if (doc.status === 'failed') return [event('failed', doc.failedAt)];
  if (doc.status === 'cancelled') return [event('cancelled', doc.cancelledAt)];
  const from = doc.notifiedStatus ? ORDER.indexOf(doc.notifiedStatus) + 1 : 0;
  const to = ORDER.indexOf(doc.status);
  const at = { sent: doc.sentAt, delivered: doc.deliveredAt, read: doc.readAt } as Record<
    string,
    Date | null
  >;
  return ORDER.slice(from, to + 1).map((s) => event(s, at[s] ?? null));
}
