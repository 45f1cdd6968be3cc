import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createTenantLimiter } from '../src/callbacks/tenant-limiter';
import type { BroadcastStatus } from '../src/domain/broadcast';
import type { Metrics } from '../src/observability/metrics';
import { notifyBroadcast } from './broadcast-callbacks';
import {
  sendChunk,
  type BroadcastActivityDeps,
  type BroadcastChunkInput,
  type BroadcastChunkResult,
} from './broadcast-chunk';
import { OutcomeWriter, durablyIn } from './broadcast-outcomes';
import { recipientRecord } from './broadcast-records';
import type { CallbackActivityDeps } from './callbacks.activities';

export type { BroadcastActivityDeps, BroadcastChunkInput, BroadcastChunkResult } from './broadcast-chunk';

/**
 * Broadcast activities (issue 18): write the recipients' records, send one chunk at the sender's
 * rate, sweep status changes to the tenant's callback, cancel what is still queued. The chunk's
 * send loop is ChunkSender (broadcast-sender.ts), its outcome writes OutcomeWriter
 * (broadcast-outcomes.ts), the callback sweep notifyBroadcast (broadcast-callbacks.ts).
 */
export function createBroadcastActivities(all: {
  broadcasts: BroadcastActivityDeps;
  callbacks?: CallbackActivityDeps;
  metrics?: Metrics;
}) {
  const deps = all.broadcasts;
  const repo = deps.broadcasts;
  const callbackSlots = all.callbacks ? createTenantLimiter(all.callbacks.maxConcurrentPerTenant) : null;

  return {
    /** Every recipient's message record (queued), chunk by chunk; a retry writes only what is missing. */
    async prepareBroadcast(r: { tenantId: string; broadcastId: string }): Promise<{ total: number }> {
      const ctx = Context.current();
      const durably = durablyIn(ctx, all.metrics);
      const b = await repo.get(r.tenantId, r.broadcastId);
      if (!b)
        throw ApplicationFailure.nonRetryable(`broadcast ${r.broadcastId} not found`, 'BroadcastMissing');
      for (let chunk = 0; chunk < b.chunkCount; chunk++) {
        const c = await repo.chunk(r.tenantId, r.broadcastId, chunk);
        if (!c)
          throw ApplicationFailure.nonRetryable(
            `broadcast ${r.broadcastId} chunk ${chunk} missing`,
            'BroadcastMissing',
          );
        const records = c.recipients.map((rc, i) =>
          recipientRecord(b, r.tenantId, r.broadcastId, rc, c.first + i),
        );
        const written = await durably(() => repo.insertRecords(records));
        for (let i = 0; i < written; i++) all.metrics?.messageTransition('queued', b.provider);
        ctx.heartbeat(chunk);
      }
      return { total: b.total };
    },

    /**
     * Sends one chunk's queued recipients at the sender's rate: tokens from the same limiter as
     * single messages (taken several at once), up to `maxInFlight` sends at a time, outcomes written
     * in bulk. A transient or rate-limited failure puts the recipient back with a capped
     * exponential backoff (or the provider's Retry-After) until `validUntil`; a permanent one fails
     * it. Stops early (the rest stays queued) when the broadcast is paused or cancelled. Heartbeats:
     * a dead worker's chunk is taken over within the heartbeat timeout, and the new attempt sends
     * only what the records say is still queued.
     */
    async sendBroadcastChunk(input: BroadcastChunkInput): Promise<BroadcastChunkResult> {
      const ctx = Context.current();
      // Alive all along, also while reading the chunk and writing its last outcomes.
      const beat = setInterval(() => ctx.heartbeat(), 1_000);
      try {
        return await sendChunk(ctx, deps, all.metrics, input);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * After the last chunk: sends left in the journal written to their records, and early webhook
     * statuses left in the journal or the inbox applied.
     */
    async applyBroadcastStatusInbox(r: { tenantId: string; broadcastId: string }): Promise<number> {
      // Sends still journaled (a chunk that failed for good, or one left by a crash): to their records first.
      const durably = durablyIn(Context.current(), all.metrics);
      const journaled = await durably(() => repo.journaledSends(r.tenantId, r.broadcastId));
      if (journaled.length > 0) {
        const b = await durably(() => repo.get(r.tenantId, r.broadcastId));
        const writer = new OutcomeWriter(repo, r.tenantId, b?.provider ?? 'unknown', durably, all.metrics);
        writer.adopt(journaled);
        await writer.drain('now');
      }
      const left = await durably(() =>
        repo.applyJournalLeftovers(r.tenantId, { broadcastId: r.broadcastId }),
      );
      return left + (await durably(() => repo.applyStatusInbox(r.tenantId, { broadcastId: r.broadcastId })));
    },

    /** Queued recipients become cancelled (the broadcast was cancelled). */
    async cancelBroadcastRecipients(r: { tenantId: string; broadcastId: string }): Promise<number> {
      const n = await repo.cancelQueued(r.tenantId, r.broadcastId, new Date());
      return n;
    },

    /**
     * Reports recipients' status changes to the tenant's callback (see notifyBroadcast in
     * broadcast-callbacks.ts), retried by the workflow's sweeps.
     */
    async notifyBroadcast(r: {
      tenantId: string;
      broadcastId: string;
      maxAttempts: number;
    }): Promise<{ notified: number; pending: number; open: number }> {
      return notifyBroadcast(repo, all.callbacks, callbackSlots, r);
    },

    /** The broadcast's status as its workflow moves it (a local activity). */
    async recordBroadcastStatus(r: {
      tenantId: string;
      broadcastId: string;
      status: BroadcastStatus;
      at: string;
    }): Promise<void> {
      await repo.setStatus(r.tenantId, r.broadcastId, r.status, new Date(r.at));
    },
  };
}

export type BroadcastActivities = ReturnType<typeof createBroadcastActivities>;
