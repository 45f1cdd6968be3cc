import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { BroadcastRepository, RecipientOutcome } from '../src/db/repositories/broadcast.repository';
import type { CustomerWindowRepository } from '../src/db/repositories/customer-window.repository';
import type { SendLimiter } from '../src/db/repositories/send-limiter.repository';
import { isStorageUnavailable } from '../src/db/storage-errors';
import {
  BROADCAST_CHUNK_SIZE,
  recipientMessageId,
  type BroadcastRecipient,
  type BroadcastStatus,
} from '../src/domain/broadcast';
import { customerWindow, typesAllowedOutsideWindow } from '../src/domain/customer-window';
import type { MessageStatus, Priority } from '../src/domain/message';
import { isOfficialProvider } from '../src/providers/official-providers';
import type { MessageHistoryDoc } from '../src/db/models/message-history.model';
import type { Metrics } from '../src/observability/metrics';
import { ProviderError } from '../src/providers/errors';
import type { MessagingRegistry } from '../src/providers/messaging-registry';
import type { MessageContent } from '../src/schemas/message-content.schema';
import {
  sendCallback,
  TENANT_SLOT_WAIT_MS,
  type CallbackActivityDeps,
  type StatusCallbackEvent,
} from './callbacks.activities';
import { summarise } from './message-summary';
import { createTenantLimiter } from '../src/callbacks/tenant-limiter';

export interface BroadcastActivityDeps {
  broadcasts: BroadcastRepository;
  registry: MessagingRegistry;
  limiter: SendLimiter;
  /** The 24-hour window for free-form types to official senders; absent = not enforced. */
  windows?: { repo: Pick<CustomerWindowRepository, 'lastInboundAtMany'>; marginMs: number };
  /** Sends in flight at once per chunk (BROADCAST_MAX_IN_FLIGHT). */
  maxInFlight: number;
}

/** One chunk's sending (a send activity): who, how, and until when provider outages are retried. */
export interface BroadcastChunkInput {
  tenantId: string;
  broadcastId: string;
  senderId: string;
  provider: string;
  priority: Priority;
  chunk: number;
  /** Epoch ms: a recipient whose provider keeps failing transiently fails `expired` after this. */
  validUntil: number;
  /** Provider attempts before an unclassified error fails a recipient (retryable). */
  maxAttempts: number;
  initialRetryMs: number;
  maxRetryMs: number;
}

export interface BroadcastChunkResult {
  sent: number;
  failed: number;
  /** Sending stopped because an operator paused or cancelled the broadcast; the rest stays queued. */
  stopped: 'paused' | 'cancelled' | null;
}

/** How often a running chunk reads whether it was paused or cancelled. */
const CONTROL_POLL_MS = 500;
/** Longest nap of the chunk's loop (it wakes earlier when a send completes). */
const NAP_MS = 100;

/** The content one recipient gets: the broadcast's, with the recipient's placeholder values. */
export function personalise(content: MessageContent, parameters: string[] | undefined): MessageContent {
  if (!parameters || parameters.length === 0) return content;
  if (content.type === 'template') {
    const others = (content.template.components ?? []).filter((c) => c.type !== 'body');
    return {
      type: 'template',
      template: {
        ...content.template,
        components: [
          ...others,
          { type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) },
        ],
      },
    };
  }
  if (content.type === 'text')
    return {
      type: 'text',
      text: {
        ...content.text,
        body: content.text.body.replace(
          /\{\{(\d{1,2})\}\}/g,
          (m, n: string) => parameters[Number(n) - 1] ?? m,
        ),
      },
    };
  return content;
}

type ErrorClass =
  | { kind: 'again'; code: string | null; message: string; retryAfterMs?: number }
  | {
      kind: 'final';
      code: string | null;
      message: string;
      retryable: boolean;
    };

function classify(err: unknown, attempts: number, maxAttempts: number): ErrorClass {
  if (err instanceof ProviderError) {
    const message = err.details ? `${err.message}: ${err.details}` : err.message;
    if (err.retryable)
      return { kind: 'again', code: err.code ?? null, message, retryAfterMs: err.retryAfterMs };
    return { kind: 'final', code: err.code ?? null, message, retryable: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  // Our own database (reading the sender's credentials) is no provider attempt: try again, never fail.
  if (isStorageUnavailable(err)) return { kind: 'again', code: 'dependency_unavailable', message };
  if (attempts >= maxAttempts) return { kind: 'final', code: null, message, retryable: true };
  return { kind: 'again', code: null, message };
}

/**
 * Broadcast activities (issue 18): write the recipients' records, send one chunk at the sender's
 * rate, sweep status changes to the tenant's callback, cancel what is still queued.
 */
export function createBroadcastActivities(all: {
  broadcasts: BroadcastActivityDeps;
  callbacks?: CallbackActivityDeps;
  metrics?: Metrics;
}) {
  const deps = all.broadcasts;
  const repo = deps.broadcasts;
  const callbackSlots = all.callbacks ? createTenantLimiter(all.callbacks.maxConcurrentPerTenant) : null;

  /** Retries a write while our database is down (heartbeating): an outage delays, never fails. */
  async function durably<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
    for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        return await fn();
      } catch (err) {
        if (!isStorageUnavailable(err)) throw err;
        all.metrics?.storageUnavailable('sendBroadcastChunk');
        ctx.heartbeat();
        await ctx.sleep(delay);
      }
    }
  }

  async function sendChunk(ctx: Context, input: BroadcastChunkInput): Promise<BroadcastChunkResult> {
    const { tenantId, broadcastId } = input;
    const c = await durably(ctx, () => repo.chunk(tenantId, broadcastId, input.chunk));
    if (!c)
      throw ApplicationFailure.nonRetryable(
        `broadcast ${broadcastId} chunk ${input.chunk} missing`,
        'BroadcastMissing',
      );
    const b = await durably(ctx, () => repo.get(tenantId, broadcastId));
    if (!b) throw ApplicationFailure.nonRetryable(`broadcast ${broadcastId} not found`, 'BroadcastMissing');
    const records = await durably(ctx, () =>
      repo.records(tenantId, broadcastId, c.first, c.first + BROADCAST_CHUNK_SIZE),
    );
    const byIndex = new Map(records.map((rec) => [rec.broadcastIndex as number, rec]));
    const content = b.content as unknown as MessageContent;

    interface Item {
      index: number;
      messageId: string;
      recipient: BroadcastRecipient;
      dueAt: number;
      attempts: number;
      rounds: number;
      backoffMs: number;
    }
    const outcomes: RecipientOutcome[] = [];
    let sent = 0;
    let failed = 0;
    // (writeOutcomes is defined below, before the first send; a failure before it waits for the loop.)
    let afterFail = () => {};
    const fail = (it: Item, code: string | null, message: string, retryable: boolean) => {
      failed++;
      outcomes.push({
        messageId: it.messageId,
        kind: 'failed',
        at: new Date(),
        errorCode: code,
        errorMessage: message,
        retryable,
      });
      afterFail();
    };

    let items: Item[] = [];
    c.recipients.forEach((recipient, i) => {
      const index = c.first + i;
      const rec = byIndex.get(index);
      if (!rec || rec.status !== 'queued') return;
      items.push({
        index,
        messageId: rec.messageId,
        recipient,
        dueAt: rec.nextAttemptAt ? new Date(rec.nextAttemptAt).getTime() : 0,
        attempts: 0,
        rounds: rec.sendRounds ?? 0,
        backoffMs: input.initialRetryMs,
      });
    });

    // The 24-hour rule, per recipient, for free-form types to official senders (templates pass).
    if (deps.windows && isOfficialProvider(b.provider) && !typesAllowedOutsideWindow.has(content.type)) {
      const windows = deps.windows;
      const last = await durably(ctx, () =>
        windows.repo.lastInboundAtMany(
          tenantId,
          b.senderId,
          items.map((it) => it.recipient.to),
        ),
      );
      const now = new Date();
      items = items.filter((it) => {
        const at = last.get(it.recipient.to.replace(/\D/g, '')) ?? null;
        if (customerWindow(at, now, windows.marginMs).open) return true;
        fail(
          it,
          'customer_window_closed',
          at
            ? `The 24-hour customer service window with ${it.recipient.to} closed (last message from them at ${at.toISOString()}): only a template message can be sent`
            : `${it.recipient.to} has not messaged sender ${b.senderId}: only a template message can be sent`,
          false,
        );
        return false;
      });
    }

    const provider = deps.registry.get(input.provider);
    const ask = {
      tenantId,
      senderId: input.senderId,
      provider: input.provider,
      ticket: `broadcast:${tenantId}:${broadcastId}`,
      priority: input.priority,
      acceptedAt: Date.now(),
      waited: false,
    };
    let inFlight = 0;
    let stopped: BroadcastChunkResult['stopped'] = null;
    let lastControl = 0;
    let wake: (() => void) | null = null;
    const nap = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          wake = null;
          resolve();
        }, ms);
        wake = () => {
          clearTimeout(t);
          wake = null;
          resolve();
        };
      });
    // Outcomes are written as soon as they come, in one bulk write each time the previous write
    // is done (group commit): under load a write carries many. Sends answered but not yet recorded
    // take room from the sends in flight (below), so a worker killed now resends at most that many.
    let flushing: Promise<void> | null = null;
    /** Outcomes in the write under way. */
    let writing = 0;
    let flushError: unknown = null;
    const writeOutcomes = () => {
      if (flushing || outcomes.length === 0) return;
      const batch = outcomes.splice(0);
      writing = batch.length;
      const sentNow = batch.flatMap((o) =>
        o.kind === 'sent' ? [{ messageId: o.messageId, providerMessageId: o.providerMessageId }] : [],
      );
      flushing = durably(ctx, async () => {
        // Statuses whose webhook overtook this write wait in the inbox: folded into it (one write per
        // recipient, not two), then dropped. One that is stored just after this read is applied at
        // the end of the chunk.
        const early = await repo.earlyStatuses(tenantId, sentNow);
        await repo.recordOutcomes(tenantId, batch, early.byMessage);
        await repo.dropEarlyStatuses(early.ids);
      })
        .then(() => {
          for (const o of batch)
            if (o.kind !== 'retrying') all.metrics?.messageTransition(o.kind, input.provider);
        })
        .catch((err: unknown) => void (flushError ??= err))
        .finally(() => {
          flushing = null;
          writing = 0;
          writeOutcomes();
        });
    };
    afterFail = writeOutcomes;
    const drainOutcomes = async () => {
      while (flushing || outcomes.length > 0) {
        writeOutcomes();
        await flushing;
      }
      if (flushError) throw flushError;
    };

    const sendOne = async (it: Item) => {
      it.attempts++;
      try {
        const call = () =>
          provider.send({
            tenantId,
            messageId: it.messageId,
            senderId: input.senderId,
            to: it.recipient.to,
            content: personalise(content, it.recipient.parameters),
          });
        const res = await (all.metrics ? all.metrics.timeSend(input.provider, call) : call());
        sent++;
        outcomes.push({
          messageId: it.messageId,
          kind: 'sent',
          providerMessageId: res.providerMessageId,
          at: new Date(),
        });
        writeOutcomes();
        return;
      } catch (err) {
        const k = classify(err, it.attempts, input.maxAttempts);
        if (k.kind === 'final') return fail(it, k.code, k.message, k.retryable);
        const now = Date.now();
        if (now >= input.validUntil)
          return fail(
            it,
            'expired',
            `Not sent within the broadcast's validity; last error: ${k.message}`,
            true,
          );
        const waitMs = Math.min(k.retryAfterMs ?? it.backoffMs, Math.max(1, input.validUntil - now));
        it.backoffMs = Math.min(it.backoffMs * 2, input.maxRetryMs);
        it.rounds++;
        it.dueAt = now + waitMs;
        outcomes.push({
          messageId: it.messageId,
          kind: 'retrying',
          rounds: it.rounds,
          errorCode: k.code,
          errorMessage: k.message,
          nextAttemptAt: new Date(it.dueAt),
        });
        writeOutcomes();
        items.push(it);
      }
    };

    items.sort((a, b2) => a.dueAt - b2.dueAt || a.index - b2.index);
    while (items.length > 0 || inFlight > 0) {
      const now = Date.now();
      ctx.heartbeat();
      if (flushError) throw flushError;
      writeOutcomes();
      if (now - lastControl >= CONTROL_POLL_MS) {
        lastControl = now;
        const status: BroadcastStatus | null = await durably(ctx, () => repo.statusOf(tenantId, broadcastId));
        if (status === 'paused' || status === 'cancelled') stopped = status;
      }
      if (stopped) {
        // Let the sends in flight finish (the provider may have them), start none.
        if (inFlight === 0) break;
        await nap(50);
        continue;
      }
      items.sort((a, b2) => a.dueAt - b2.dueAt || a.index - b2.index);
      const ready = items.filter((it) => it.dueAt <= now).length;
      // Back-pressure: answered sends not yet recorded count against the room, so when writes lag
      // behind sends, sending slows down — a worker killed now resends at most this many.
      const room = deps.maxInFlight - inFlight - outcomes.length - writing;
      if (ready === 0 || room <= 0) {
        const next = items[0]?.dueAt ?? now + 50;
        await nap(Math.max(5, Math.min(next - now, NAP_MS)));
        continue;
      }
      const take = await durably(ctx, () => deps.limiter.take(ask, Math.min(ready, room)));
      if (take.granted === 0) {
        ask.waited = true;
        await nap(Math.max(5, Math.min(take.waitMs, NAP_MS)));
        continue;
      }
      if (ask.waited) {
        // Granted after waiting: the next wait starts a new place at the back of the sender's line,
        // so single messages accepted meanwhile go before the rest of the broadcast.
        ask.waited = false;
        ask.acceptedAt = Date.now();
      }
      for (const it of items.splice(0, take.granted)) {
        inFlight++;
        void sendOne(it).finally(() => {
          inFlight--;
          (wake as (() => void) | null)?.();
        });
      }
    }
    await drainOutcomes();
    // A webhook that was still storing an early status while its `sent` was written: once more.
    await durably(ctx, () =>
      repo.applyStatusInbox(tenantId, {
        messageIds: c.recipients.map((_, i) => recipientMessageId(broadcastId, c.first + i)),
      }),
    );
    if (ask.waited) await durably(ctx, () => deps.limiter.leave(ask.ticket));
    return { sent, failed, stopped };
  }

  return {
    /** Every recipient's message record (queued), chunk by chunk; a retry writes only what is missing. */
    async prepareBroadcast(r: { tenantId: string; broadcastId: string }): Promise<{ total: number }> {
      const ctx = Context.current();
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
        const records = c.recipients.map((rc, i) => {
          const index = c.first + i;
          const messageId = recipientMessageId(r.broadcastId, index);
          const content = personalise(b.content as unknown as MessageContent, rc.parameters);
          const s = summarise(content);
          const doc: Omit<MessageHistoryDoc, 'deletedAt'> = {
            _id: `${r.tenantId}:${messageId}`,
            tenantId: r.tenantId,
            messageId,
            senderId: b.senderId,
            sessionId: b.sessionId,
            senderUserId: b.senderUserId,
            provider: b.provider,
            priority: b.priority,
            recipientPhone: rc.to,
            recipientName: rc.recipientName ?? null,
            messageType: b.messageType,
            messageContent: s.text,
            content: content as unknown as Record<string, unknown>,
            mediaData: s.media,
            status: 'queued',
            providerMessageId: null,
            sentAt: null,
            deliveredAt: null,
            readAt: null,
            failedAt: null,
            cancelledAt: null,
            retryCount: 0,
            retryable: false,
            errorCode: null,
            errorMessage: null,
            metadata: rc.metadata ?? null,
            idempotencyKey: null,
            requestHash: b.requestHash,
            workflowId: b.workflowId,
            lastFailedRunId: null,
            validityMs: b.validityMs,
            sendRounds: 0,
            lastErrorCode: null,
            lastErrorMessage: null,
            nextAttemptAt: null,
            broadcastId: r.broadcastId,
            broadcastIndex: index,
            notifyPending: false,
            notifiedStatus: null,
            notifyAttempts: 0,
            createdAt: b.createdAt,
            updatedAt: b.createdAt,
          };
          return doc;
        });
        const written = await durably(ctx, () => repo.insertRecords(records));
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
        return await sendChunk(ctx, input);
      } finally {
        clearInterval(beat);
      }
    },

    /** Early webhook statuses of a broadcast's recipients left in the inbox, applied (after the last chunk). */
    async applyBroadcastStatusInbox(r: { tenantId: string; broadcastId: string }): Promise<number> {
      return repo.applyStatusInbox(r.tenantId, { broadcastId: r.broadcastId });
    },

    /** Queued recipients become cancelled (the broadcast was cancelled). */
    async cancelBroadcastRecipients(r: { tenantId: string; broadcastId: string }): Promise<number> {
      const n = await repo.cancelQueued(r.tenantId, r.broadcastId, new Date());
      return n;
    },

    /**
     * Reports recipients' status changes to the tenant's callback: each status the callback has not
     * heard of yet, in order (sent, delivered, read; or failed / cancelled), at the times the record
     * holds. A delivery that fails stays pending for the next sweep, up to `maxAttempts` sweeps.
     */
    async notifyBroadcast(r: {
      tenantId: string;
      broadcastId: string;
      maxAttempts: number;
    }): Promise<{ notified: number; pending: number; open: number }> {
      const ctx = Context.current();
      const cb = all.callbacks;
      const pending = await repo.pendingNotifications(r.tenantId, r.broadcastId, 200);
      if (!cb || !callbackSlots)
        return {
          notified: 0,
          pending: pending.length,
          open: await repo.openCount(r.tenantId, r.broadcastId),
        };
      const target = await cb.repo.target(r.tenantId);
      let notified = 0;
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
          const release = await callbackSlots.acquire(
            r.tenantId,
            TENANT_SLOT_WAIT_MS,
            ctx.cancellationSignal,
          );
          // The tenant's slots are taken by other callbacks: the rest waits for the next sweep.
          if (!release) return;
          try {
            for (const payload of statusEvents(doc, r.broadcastId)) {
              const signal = AbortSignal.any([AbortSignal.timeout(cb.timeoutMs), ctx.cancellationSignal]);
              await sendCallback(cb, target, payload, signal);
            }
            notified++;
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
          } finally {
            release();
          }
          ctx.heartbeat();
        }
      };
      await Promise.all(Array.from({ length: cb.maxConcurrentPerTenant }, worker));
      return {
        notified,
        // A full page may have more behind it.
        pending: pending.length - notified + (pending.length === 200 ? 1 : 0),
        open: await repo.openCount(r.tenantId, r.broadcastId),
      };
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

export type BroadcastActivities = ReturnType<typeof createBroadcastActivities>;
