import type { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { BroadcastRepository, RecipientOutcome } from '../src/db/repositories/broadcast.repository';
import type { RecipientStatus } from '../src/db/repositories/message-history.repository';
import { parseRecipientMessageId } from '../src/domain/broadcast';
import type { JournaledSend } from '../src/db/repositories/send-journal.repository';
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

type SentOutcome = Extract<RecipientOutcome, { kind: 'sent' }>;

/** What to do with journaled sends not written yet when a chunk ends. */
export type DrainMode =
  /** They stay in the journal: the next chunk writes them when due. */
  | 'journal'
  /** They are written when due (the broadcast's last chunk). */
  | 'wait'
  /** They are written now (the broadcast was paused or cancelled, or its sending ended). */
  | 'now';

/** How long after a journal batch is written its inbox is looked at for a status stored too late to fold. */
const LATE_STATUS_CHECK_MS = 1_000;

/**
 * Journaled sends per record write (rounded up to whole journal batches): a chunk that ends waits
 * for the write under way, and this keeps that wait short.
 */
const FOLD_MAX = 128;

/** Journaled sends that may wait past their time for a record write before the chunk stops sending. */
export const JOURNAL_LAG_MAX = 1_000;

/** A send in the journal: when it is written to its record (ms), and the journal batch it came in. */
interface Journaled {
  sent: SentOutcome;
  dueAt: number;
  foldBatch: string;
}

/**
 * A chunk's outcomes, written as soon as they come, in one bulk write each time the previous write
 * is done (group commit): under load a write carries many. Sends answered but not yet recorded
 * (`unwritten`) take room from the sends in flight, so a worker killed now resends at most that many.
 *
 * With `foldMs`, a `sent` goes first to the journal (one insert per batch: recorded, never resent)
 * and reaches its record `foldMs` later, in one update with the statuses that came meanwhile —
 * Meta's delivered usually comes within a second or two, so a recipient costs one update, not two
 * (issue 18). The webhooks keep such statuses in the journal, with the send's batch, instead of
 * updating the record (recordRecipientStatuses). Journal writes and record writes are two group
 * commits of their own: a slow record write never holds up the journal, which the sending waits on.
 */
export class OutcomeWriter {
  /** Outcomes answered and not yet handed on: a `sent` to the journal, the rest to the records. */
  private readonly outcomes: RecipientOutcome[] = [];
  /** Sends waiting for the next journal write. */
  private readonly pendingJournal: SentOutcome[] = [];
  /** Outcomes (not journaled) waiting for the next record write. */
  private readonly toRecord: RecipientOutcome[] = [];
  /** Sends in the journal, by when they are due. */
  private readonly journaled: Journaled[] = [];
  /** Journal batches written to their records, and when: their statuses are looked at once more. */
  private folded: { foldBatch: string; broadcastId: string; at: number }[] = [];
  /** Every recipient whose `sent` this writer wrote (the chunk's last look at the inbox). */
  private readonly written: string[] = [];
  private readonly batchPrefix = randomUUID();
  private batches = 0;
  private journaling: Promise<void> | null = null;
  private recording: Promise<void> | null = null;
  /** Sends in the journal write under way; outcomes in the record write under way (not journaled). */
  private inJournalWrite = 0;
  private inRecordWrite = 0;
  /** Set while a chunk ends leaving its journaled sends to the next: no record write takes more. */
  private leavingJournal = false;
  /** The first write that failed (not a storage outage: those are retried). */
  error: unknown = null;

  constructor(
    private readonly repo: BroadcastRepository,
    private readonly tenantId: string,
    private readonly provider: string,
    private readonly durably: Durably,
    private readonly metrics: Metrics | undefined,
    private readonly foldMs = 0,
  ) {}

  /** Outcomes answered and not yet recorded (a journaled send is recorded). */
  get unwritten(): number {
    return this.outcomes.length + this.inJournalWrite + this.toRecord.length + this.inRecordWrite;
  }

  /**
   * Journaled sends past their time and not written to their records yet: the record writes lag
   * behind the sending. The chunk stops sending while this is above JOURNAL_LAG_MAX, so the
   * journal (and what each webhook reads of it) stays small however long the broadcast.
   */
  get lagging(): number {
    const now = Date.now();
    let n = 0;
    while (n < this.journaled.length && (this.journaled[n] as Journaled).dueAt <= now) n++;
    return n;
  }

  push(outcome: RecipientOutcome): void {
    this.outcomes.push(outcome);
  }

  /** Sends an earlier chunk or attempt journaled: written to their records when due, never sent again. */
  adopt(sends: JournaledSend[]): void {
    for (const s of sends)
      this.journaled.push({
        sent: { kind: 'sent', messageId: s.messageId, providerMessageId: s.providerMessageId, at: s.at },
        dueAt: s.createdAt.getTime() + this.foldMs,
        foldBatch: s.foldBatch,
      });
    this.journaled.sort((a, b) => a.dueAt - b.dueAt);
  }

  /** Starts the writes that have something to do and are not under way (each starts its next when done). */
  write(all = false): void {
    for (const o of this.outcomes.splice(0)) {
      if (this.foldMs > 0 && o.kind === 'sent') this.pendingJournal.push(o);
      else this.toRecord.push(o);
    }
    this.writeJournal();
    this.writeRecords(all);
  }

  private writeJournal(): void {
    if (this.journaling || this.pendingJournal.length === 0) return;
    const batch = this.pendingJournal.splice(0);
    this.inJournalWrite = batch.length;
    const foldBatch = `${this.batchPrefix}:${++this.batches}`;
    this.journaling = this.durably(() => this.repo.journalSent(this.tenantId, foldBatch, batch))
      .then(() => {
        const dueAt = Date.now() + this.foldMs;
        for (const sent of batch) this.journaled.push({ sent, dueAt, foldBatch });
      })
      .catch((err: unknown) => void (this.error ??= err))
      .finally(() => {
        this.journaling = null;
        this.inJournalWrite = 0;
        this.writeJournal();
      });
  }

  private writeRecords(all: boolean): void {
    if (this.recording) return;
    const now = Date.now();
    let due = 0;
    while (
      !this.leavingJournal &&
      due < Math.min(this.journaled.length, FOLD_MAX) &&
      (all || (this.journaled[due] as Journaled).dueAt <= now)
    )
      due++;
    // Whole journal batches only: a batch's statuses and its journal document go with its first write.
    while (
      due > 0 &&
      due < this.journaled.length &&
      (this.journaled[due] as Journaled).foldBatch === (this.journaled[due - 1] as Journaled).foldBatch
    )
      due++;
    let check = 0;
    while (
      !this.leavingJournal &&
      check < this.folded.length &&
      (this.folded[check] as { at: number }).at <= now - LATE_STATUS_CHECK_MS
    )
      check++;
    if (this.toRecord.length === 0 && due === 0 && check === 0) return;
    const outcomes = this.toRecord.splice(0);
    const fold = this.journaled.splice(0, due);
    const late = this.folded.splice(0, check);
    this.inRecordWrite = outcomes.length;
    this.recording = (async () => {
      if (outcomes.length > 0 || fold.length > 0) await this.record(outcomes, fold);
      // A status whose webhook saw the journal and stored it there just after the write read it:
      // applied now, a moment later (rare); one read for every batch due a look.
      for (const broadcastId of new Set(late.map((f) => f.broadcastId))) {
        const foldBatches = late.filter((f) => f.broadcastId === broadcastId).map((f) => f.foldBatch);
        await this.durably(() =>
          this.repo.applyJournalLeftovers(this.tenantId, { broadcastId, foldBatches }),
        );
      }
    })()
      .catch((err: unknown) => void (this.error ??= err))
      .finally(() => {
        this.recording = null;
        this.inRecordWrite = 0;
        this.writeRecords(false);
      });
  }

  /**
   * Outcomes and due journaled sends to the records, with the statuses that overtook each `sent`
   * folded into its write; then those statuses leave the journal (or the inbox) with the sends.
   */
  private async record(outcomes: RecipientOutcome[], fold: Journaled[]): Promise<void> {
    const plain = outcomes.flatMap((o) =>
      o.kind === 'sent' ? [{ messageId: o.messageId, providerMessageId: o.providerMessageId }] : [],
    );
    // Each journal batch written, and its broadcast (the later look at its statuses goes by broadcast).
    const broadcastOf = new Map(
      fold.map((j) => [j.foldBatch, parseRecipientMessageId(j.sent.messageId)?.broadcastId ?? '']),
    );
    const batches = [...broadcastOf.keys()];
    const journaled = fold.map((j) => ({
      messageId: j.sent.messageId,
      providerMessageId: j.sent.providerMessageId,
    }));
    await this.durably(async () => {
      const ofJournal = await this.repo.journalContents(this.tenantId, batches);
      // And those in the inbox: statuses whose webhook overtook the send's answer (or its journal write).
      const ofPlain = await this.repo.earlyStatuses(this.tenantId, [...plain, ...journaled]);
      const early = new Map<string, RecipientStatus[]>(ofPlain.byMessage);
      for (const [messageId, list] of ofJournal.byMessage)
        early.set(messageId, [...(early.get(messageId) ?? []), ...list]);
      await this.repo.recordOutcomes(this.tenantId, [...fold.map((j) => j.sent), ...outcomes], early);
      for (const foldBatch of batches)
        await this.repo.dropJournal(this.tenantId, { foldBatch }, ofJournal.ids);
      await this.repo.dropEarlyStatuses(ofPlain.ids);
    });
    const at = Date.now();
    for (const [foldBatch, broadcastId] of broadcastOf) this.folded.push({ foldBatch, broadcastId, at });
    for (const j of fold) this.written.push(j.sent.messageId);
    for (const p of plain) this.written.push(p.messageId);
    for (const o of [...fold.map((j) => j.sent), ...outcomes])
      if (o.kind !== 'retrying') this.metrics?.messageTransition(o.kind, this.provider);
  }

  /**
   * Waits until no write is under way. A chunk that fails waits for this before it gives up, so
   * its next attempt (which may run in this process) never writes the same records at the same
   * time (on FerretDB one of two writers of a record at once can lose its write).
   */
  async settle(): Promise<void> {
    while (this.journaling || this.recording) await Promise.all([this.journaling, this.recording]);
  }

  /**
   * Writes everything that waits (journaled sends as `mode` says), then looks once more at the
   * inbox of every recipient written; throws the first write's failure.
   */
  async drain(mode: DrainMode = 'journal'): Promise<void> {
    // The chunk ends without writing more journaled sends: the next one does (and must not write
    // them while this writer still does: one record written by two at once can lose a write).
    this.leavingJournal = mode === 'journal';
    for (;;) {
      if (this.journaling || this.recording) {
        await Promise.all([this.journaling, this.recording]);
        continue;
      }
      if (this.error) throw this.error;
      const journaled = mode === 'journal' ? 0 : this.journaled.length;
      const waiting = this.outcomes.length + this.pendingJournal.length + this.toRecord.length;
      if (waiting === 0 && journaled === 0) break;
      const first = this.journaled[0];
      if (mode === 'wait' && waiting === 0 && first && first.dueAt > Date.now())
        await new Promise((r) => setTimeout(r, Math.min(first.dueAt - Date.now(), 1_000)));
      else this.write(mode === 'now');
    }
    this.folded = [];
    const written = this.written.splice(0);
    if (written.length > 0)
      await this.durably(() => this.repo.applyStatusInbox(this.tenantId, { messageIds: written }));
  }
}
