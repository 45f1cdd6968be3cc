import type { Context } from '@temporalio/activity';
import type { BroadcastRepository, RecipientOutcome } from '../src/db/repositories/broadcast.repository';
import { isStorageUnavailable } from '../src/db/storage-errors';
import type { Metrics } from '../src/observability/metrics';

/** Runs a write, retried while our database is down. */
export type Durably = <T>(fn: () => Promise<T>) => Promise<T>;

/** Retries a write while our database is down (heartbeating): an outage delays, never fails. */
export function durablyIn(ctx: Context, metrics: Metrics | undefined): Durably {
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        return await fn();
      } catch (err) {
        if (!isStorageUnavailable(err)) throw err;
        metrics?.storageUnavailable('sendBroadcastChunk');
        ctx.heartbeat();
        await ctx.sleep(delay);
      }
    }
  };
}

/**
 * A chunk's outcomes, written as soon as they come, in one bulk write each time the previous write
 * is done (group commit): under load a write carries many. Sends answered but not yet recorded
 * (`unwritten`) take room from the sends in flight, so a worker killed now resends at most that many.
 */
export class OutcomeWriter {
  private readonly outcomes: RecipientOutcome[] = [];
  private flushing: Promise<void> | null = null;
  /** Outcomes in the write under way. */
  private writing = 0;
  /** The first write that failed (not a storage outage: those are retried). */
  error: unknown = null;

  constructor(
    private readonly repo: BroadcastRepository,
    private readonly tenantId: string,
    private readonly provider: string,
    private readonly durably: Durably,
    private readonly metrics: Metrics | undefined,
  ) {}

  /** Outcomes answered and not yet recorded: waiting for a write or in the one under way. */
  get unwritten(): number {
    return this.outcomes.length + this.writing;
  }

  push(outcome: RecipientOutcome): void {
    this.outcomes.push(outcome);
  }

  /** Starts a write of what waits, unless one is under way (it starts the next when done). */
  write(): void {
    if (this.flushing || this.outcomes.length === 0) return;
    const batch = this.outcomes.splice(0);
    this.writing = batch.length;
    const sentNow = batch.flatMap((o) =>
      o.kind === 'sent' ? [{ messageId: o.messageId, providerMessageId: o.providerMessageId }] : [],
    );
    this.flushing = this.durably(async () => {
      // Statuses whose webhook overtook this write wait in the inbox: folded into it (one write per
      // recipient, not two), then dropped. One that is stored just after this read is applied at
      // the end of the chunk.
      const early = await this.repo.earlyStatuses(this.tenantId, sentNow);
      await this.repo.recordOutcomes(this.tenantId, batch, early.byMessage);
      await this.repo.dropEarlyStatuses(early.ids);
    })
      .then(() => {
        for (const o of batch)
          if (o.kind !== 'retrying') this.metrics?.messageTransition(o.kind, this.provider);
      })
      .catch((err: unknown) => void (this.error ??= err))
      .finally(() => {
        this.flushing = null;
        this.writing = 0;
        this.write();
      });
  }

  /** Writes everything that waits; throws the first write's failure. */
  async drain(): Promise<void> {
    while (this.flushing || this.outcomes.length > 0) {
      this.write();
      await this.flushing;
    }
    if (this.error) throw this.error;
  }
}
