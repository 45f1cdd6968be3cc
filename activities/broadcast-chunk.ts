import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { BroadcastDoc } from '../src/db/models/broadcast.model';
import type { BroadcastRepository } from '../src/db/repositories/broadcast.repository';
import type { CustomerWindowRepository } from '../src/db/repositories/customer-window.repository';
import type { SendLimiter } from '../src/db/repositories/send-limiter.repository';
import { customerWindow, typesAllowedOutsideWindow } from '../src/domain/customer-window';
import type { Priority } from '../src/domain/message';
import type { Metrics } from '../src/observability/metrics';
import type { MessagingRegistry } from '../src/providers/messaging-registry';
import { isOfficialProvider } from '../src/providers/official-providers';
import type { MessageContent } from '../src/schemas/message-content.schema';
import { OutcomeWriter, durablyIn, type Durably } from './broadcast-outcomes';
import { ChunkSender, type Item } from './broadcast-sender';

export interface BroadcastActivityDeps {
  broadcasts: BroadcastRepository;
  registry: MessagingRegistry;
  limiter: SendLimiter;
  /** The 24-hour window for free-form types to official senders; absent = not enforced. */
  windows?: { repo: Pick<CustomerWindowRepository, 'lastInboundAtMany'>; marginMs: number };
  /** Sends in flight at once per chunk (BROADCAST_MAX_IN_FLIGHT). */
  maxInFlight: number;
  /** How long an answered send waits in the journal for its statuses (BROADCAST_STATUS_FOLD_MS; 0: none). */
  foldMs?: number;
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

/** Sends one chunk's queued recipients (see sendBroadcastChunk). */
export async function sendChunk(
  ctx: Context,
  deps: BroadcastActivityDeps,
  metrics: Metrics | undefined,
  input: BroadcastChunkInput,
): Promise<BroadcastChunkResult> {
  const { tenantId, broadcastId } = input;
  const repo = deps.broadcasts;
  const durably = durablyIn(ctx, metrics);
  const c = await durably(() => repo.chunk(tenantId, broadcastId, input.chunk));
  if (!c)
    throw ApplicationFailure.nonRetryable(
      `broadcast ${broadcastId} chunk ${input.chunk} missing`,
      'BroadcastMissing',
    );
  const b = await durably(() => repo.get(tenantId, broadcastId));
  if (!b) throw ApplicationFailure.nonRetryable(`broadcast ${broadcastId} not found`, 'BroadcastMissing');
  // Sends journaled by an earlier chunk (or by this one's attempt that died): their records are
  // still queued, yet they are sent. This chunk's writer writes them when due.
  const journaled = await durably(() => repo.journaledSends(tenantId, broadcastId));
  const isJournaled = new Set(journaled.map((j) => j.messageId));
  const records = await durably(() => repo.records(tenantId, broadcastId, input.chunk));
  const byIndex = new Map(records.map((rec) => [rec.broadcastIndex as number, rec]));
  const items: Item[] = [];
  c.recipients.forEach((recipient, i) => {
    const index = c.first + i;
    const rec = byIndex.get(index);
    if (!rec || rec.status !== 'queued' || isJournaled.has(rec.messageId)) return;
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
  const writer = new OutcomeWriter(repo, tenantId, input.provider, durably, metrics, deps.foldMs ?? 0);
  writer.adopt(journaled);
  const sender = new ChunkSender(
    ctx,
    deps,
    metrics,
    input,
    b.content as unknown as MessageContent,
    writer,
    durably,
  );
  await keepWindowOpen(sender, deps, durably, tenantId, b, items);
  const result = await sender.run(items);
  // The journal: the next chunk writes what is not due yet; the last chunk waits for it; a paused
  // or cancelled broadcast's records are made right now.
  await writer.drain(result.stopped ? 'now' : input.chunk >= b.chunkCount - 1 ? 'wait' : 'journal');
  await sender.leaveLine();
  return result;
}

/**
 * The 24-hour rule, per recipient, for free-form types to official senders (templates pass): the
 * recipients whose window is closed fail (their outcomes wait for the send loop's first write).
 */
async function keepWindowOpen(
  sender: ChunkSender,
  deps: BroadcastActivityDeps,
  durably: Durably,
  tenantId: string,
  b: BroadcastDoc,
  items: Item[],
): Promise<void> {
  const content = b.content as unknown as MessageContent;
  if (!deps.windows || !isOfficialProvider(b.provider) || typesAllowedOutsideWindow.has(content.type)) return;
  const windows = deps.windows;
  const last = await durably(() =>
    windows.repo.lastInboundAtMany(
      tenantId,
      b.senderId,
      items.map((it) => it.recipient.to),
    ),
  );
  const now = new Date();
  const open = items.filter((it) => {
    const at = last.get(it.recipient.to.replace(/\D/g, '')) ?? null;
    if (customerWindow(at, now, windows.marginMs).open) return true;
    sender.fail(
      it,
      'customer_window_closed',
      at
        ? `The 24-hour customer service window with ${it.recipient.to} closed (last message from them at ${at.toISOString()}): only a template message can be sent`
        : `${it.recipient.to} has not messaged sender ${b.senderId}: only a template message can be sent`,
      false,
      { write: false },
    );
    return false;
  });
  items.splice(0, items.length, ...open);
}
