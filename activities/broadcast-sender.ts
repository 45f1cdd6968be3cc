import type { Context } from '@temporalio/activity';
import { isStorageUnavailable } from '../src/db/storage-errors';
import type { BroadcastRecipient, BroadcastStatus } from '../src/domain/broadcast';
import type { Metrics } from '../src/observability/metrics';
import { ProviderError } from '../src/providers/errors';
import type { MessagingProvider } from '../src/providers/types';
import type { MessageContent } from '../src/schemas/message-content.schema';
import type { BroadcastActivityDeps, BroadcastChunkInput, BroadcastChunkResult } from './broadcast-chunk';
import { JOURNAL_LAG_MAX, type Durably, type OutcomeWriter } from './broadcast-outcomes';
import { personalise } from './broadcast-records';

/** How often a running chunk reads whether it was paused or cancelled. */
const CONTROL_POLL_MS = 500;
/** Longest nap of the chunk's loop (it wakes earlier when a send completes). */
const NAP_MS = 100;

/** A queued recipient of the chunk, with its attempts and when it is next due. */
export interface Item {
  index: number;
  messageId: string;
  recipient: BroadcastRecipient;
  dueAt: number;
  attempts: number;
  rounds: number;
  backoffMs: number;
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

const byDue = (a: Item, b: Item) => a.dueAt - b.dueAt || a.index - b.index;

/**
 * The chunk's send loop: tokens from the sender's limiter (several at once), up to `maxInFlight`
 * sends at a time, answered sends handed to the outcome writer, transient failures put back with
 * a backoff, a pause or cancel noticed within CONTROL_POLL_MS.
 */
export class ChunkSender {
  private sent = 0;
  private failed = 0;
  private inFlight = 0;
  private stopped: BroadcastChunkResult['stopped'] = null;
  private lastControl = 0;
  /** No take before this (ms): the sender's tokens gather meanwhile (see takeAndSend). */
  private nextTakeAt = 0;
  private wake: (() => void) | null = null;
  private items: Item[] = [];
  private provider!: MessagingProvider;
  private ask!: Parameters<BroadcastActivityDeps['limiter']['take']>[0] & { ticket: string; waited: boolean };

  constructor(
    private readonly ctx: Context,
    private readonly deps: BroadcastActivityDeps,
    private readonly metrics: Metrics | undefined,
    private readonly input: BroadcastChunkInput,
    private readonly content: MessageContent,
    private readonly writer: OutcomeWriter,
    private readonly durably: Durably,
  ) {}

  /** A recipient failed; its outcome is written now unless `write` is false (before the loop). */
  fail(it: Item, code: string | null, message: string, retryable: boolean, opts = { write: true }): void {
    this.failed++;
    this.writer.push({
      messageId: it.messageId,
      kind: 'failed',
      at: new Date(),
      errorCode: code,
      errorMessage: message,
      retryable,
    });
    if (opts.write) this.writer.write();
  }

  async run(items: Item[]): Promise<BroadcastChunkResult> {
    const { input } = this;
    this.items = items;
    this.provider = this.deps.registry.get(input.provider);
    this.ask = {
      tenantId: input.tenantId,
      senderId: input.senderId,
      provider: input.provider,
      ticket: `broadcast:${input.tenantId}:${input.broadcastId}`,
      priority: input.priority,
      acceptedAt: Date.now(),
      waited: false,
    };
    this.items.sort(byDue);
    while (this.items.length > 0 || this.inFlight > 0) if (!(await this.step())) break;
    await this.writer.drain();
    return { sent: this.sent, failed: this.failed, stopped: this.stopped };
  }

  /** A place in the sender's line held after a wait is given up. */
  async leaveLine(): Promise<void> {
    if (this.ask.waited) await this.durably(() => this.deps.limiter.leave(this.ask.ticket));
  }

  /** One turn of the loop: false when it stops (paused or cancelled, nothing in flight). */
  private async step(): Promise<boolean> {
    const now = Date.now();
    this.ctx.heartbeat();
    if (this.writer.error) {
      await this.writer.settle();
      throw this.writer.error;
    }
    this.writer.write();
    await this.pollControl(now);
    if (this.stopped) {
      // Let the sends in flight finish (the provider may have them), start none.
      if (this.inFlight === 0) return false;
      await this.nap(50);
      return true;
    }
    this.items.sort(byDue);
    const ready = this.items.filter((it) => it.dueAt <= now).length;
    // Back-pressure: answered sends not yet recorded count against the room, so when writes lag
    // behind sends, sending slows down — a worker killed now resends at most this many.
    // Likewise when the records' writes lag behind the journal (see OutcomeWriter.lagging).
    const room =
      this.writer.lagging > JOURNAL_LAG_MAX
        ? 0
        : this.deps.maxInFlight - this.inFlight - this.writer.unwritten;
    if (ready === 0 || room <= 0) {
      const next = this.items[0]?.dueAt ?? now + 50;
      await this.nap(Math.max(5, Math.min(next - now, NAP_MS)));
      return true;
    }
    if (now < this.nextTakeAt) {
      await this.nap(Math.max(5, Math.min(this.nextTakeAt - now, NAP_MS)));
      return true;
    }
    await this.takeAndSend(Math.min(ready, room));
    return true;
  }

  private async pollControl(now: number): Promise<void> {
    if (now - this.lastControl < CONTROL_POLL_MS) return;
    this.lastControl = now;
    const { tenantId, broadcastId } = this.input;
    const status: BroadcastStatus | null = await this.durably(() =>
      this.deps.broadcasts.statusOf(tenantId, broadcastId),
    );
    if (status === 'paused' || status === 'cancelled') this.stopped = status;
  }

  private async takeAndSend(want: number): Promise<void> {
    const { ask } = this;
    const take = await this.durably(() => this.deps.limiter.take(ask, want));
    if (take.granted === 0) {
      ask.waited = true;
      // At the sender's rate: take again once a batch of tokens has gathered (the limiter's wait),
      // even when a send completing wakes the loop earlier — a take per token costs more database
      // round trips than the sends' own writes.
      this.nextTakeAt = Date.now() + take.waitMs;
      await this.nap(Math.max(5, Math.min(take.waitMs, NAP_MS)));
      return;
    }
    if (ask.waited) {
      // Granted after waiting: the next wait starts a new place at the back of the sender's line,
      // so single messages accepted meanwhile go before the rest of the broadcast.
      ask.waited = false;
      ask.acceptedAt = Date.now();
    }
    for (const it of this.items.splice(0, take.granted)) {
      this.inFlight++;
      void this.sendOne(it).finally(() => {
        this.inFlight--;
        this.wake?.();
      });
    }
  }

  private nap(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async sendOne(it: Item): Promise<void> {
    const { input, metrics } = this;
    it.attempts++;
    try {
      const call = () =>
        this.provider.send({
          tenantId: input.tenantId,
          messageId: it.messageId,
          senderId: input.senderId,
          to: it.recipient.to,
          content: personalise(this.content, it.recipient.parameters),
        });
      const res = await (metrics ? metrics.timeSend(input.provider, call) : call());
      this.sent++;
      this.writer.push({
        messageId: it.messageId,
        kind: 'sent',
        providerMessageId: res.providerMessageId,
        at: new Date(),
      });
      this.writer.write();
    } catch (err) {
      this.retryOrFail(it, err);
    }
  }

  /** A send that failed: the recipient fails, or goes back in line after a backoff. */
  private retryOrFail(it: Item, err: unknown): void {
    const { input } = this;
    const k = classify(err, it.attempts, input.maxAttempts);
    if (k.kind === 'final') return this.fail(it, k.code, k.message, k.retryable);
    const now = Date.now();
    if (now >= input.validUntil)
      return this.fail(
        it,
        'expired',
        `Not sent within the broadcast's validity; last error: ${k.message}`,
        true,
      );
    const waitMs = Math.min(k.retryAfterMs ?? it.backoffMs, Math.max(1, input.validUntil - now));
    it.backoffMs = Math.min(it.backoffMs * 2, input.maxRetryMs);
    it.rounds++;
    it.dueAt = now + waitMs;
    this.writer.push({
      messageId: it.messageId,
      kind: 'retrying',
      rounds: it.rounds,
      errorCode: k.code,
      errorMessage: k.message,
      nextAttemptAt: new Date(it.dueAt),
    });
    this.writer.write();
    this.items.push(it);
  }
}
