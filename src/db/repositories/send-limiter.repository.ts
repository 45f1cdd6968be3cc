import type { Connection } from 'mongoose';
import type { Priority } from '../../domain/message';
import type { PermitAnswer, PermitAsk, SendRate } from '../../domain/send-permit';
import { sendLimitModel, sendWaiterModel, type SendLimitDoc } from '../models/send-limit.model';

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };
/** How long a waiter keeps its place past the time it said it would ask again. */
const PLACE_GRACE_MS = 5_000;
/** Shortest wait handed back, so a waiter never spins. */
const MIN_WAIT_MS = 10;
/**
 * Longest wait handed back (default): a waiter asks again at least this often, so a rate raised
 * meanwhile, or a place left by a message that died, is noticed within a minute.
 */
const MAX_WAIT_MS = 60_000;
/** Longest a bulk take (a broadcast) lets tokens gather before taking them (see take). */
const TAKE_GATHER_MS = 100;
/** Compare-and-set conflicts (other workers took a token meanwhile) retried at once before giving up. */
const MAX_CONFLICTS = 25;

/**
 * Per-sender send rate shared by every worker and surviving restarts, without a workflow: a GCRA
 * token bucket (one `tat` per sender, taken by compare-and-set) in MongoDB, and a line of waiters
 * that decides who goes first when tokens are scarce (high before normal before low, FIFO by
 * acceptance). A message that finds a token and nobody ahead of it takes it at once (a read and a
 * compare-and-set; a count of the line too while places given out may still be held; no Temporal
 * event); one that must wait learns how long, from its place in the line, and asks again then. A
 * per-sender override of the provider's rate is read on every ask.
 */
export function createSendLimiter(
  conn: Connection,
  rateFor: (provider: string) => SendRate,
  opts: { clock?: () => number; maxWaitMs?: number } = {},
) {
  const clock = opts.clock ?? Date.now;
  const maxWaitMs = opts.maxWaitMs ?? MAX_WAIT_MS;
  const Limits = sendLimitModel(conn);
  const Waiters = sendWaiterModel(conn);
  const keyOf = (tenantId: string, senderId: string) => `${tenantId}:${senderId}`;

  /** The sender's own rate, if it has one. */
  const ownRate = (doc: SendLimitDoc | null): SendRate | null =>
    doc?.ratePerSec && doc.ratePerSec > 0
      ? { ratePerSec: doc.ratePerSec, burst: Math.max(1, doc.burst ?? 1) }
      : null;

  /**
   * Takes tokens by compare-and-set on the `tat` read. `lineSkipped`: the line was not counted
   * because `waitersUntil` had passed — the set then also requires it unchanged, so a waiter that
   * joined meanwhile (which moves it forward first) turns the take into a conflict, asked again.
   */
  async function takeAt(
    key: string,
    doc: SendLimitDoc | null,
    next: number,
    lineSkipped: boolean,
  ): Promise<boolean> {
    if (doc)
      return (
        (
          await Limits.updateOne(
            { _id: key, tat: doc.tat, ...(lineSkipped ? { waitersUntil: doc.waitersUntil } : {}) },
            { $set: { tat: next } },
          )
        ).modifiedCount === 1
      );
    try {
      await Limits.create({ _id: key, tat: next, waitersUntil: 0 });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /**
   * Up to `want` tokens at once (a broadcast's batch, or the asks of one sender that came together in
   * this process: `together`, their tickets); a single message wants one. The tokens are free ones
   * not owed to waiters ahead of `ask` (the last of `together`), so nobody ahead goes without.
   */
  async function askOnce(
    ask: PermitAsk,
    want = 1,
    together: string[] = [ask.ticket],
  ): Promise<(PermitAnswer & { count?: number; gatherMs?: number }) | 'conflict'> {
    const key = keyOf(ask.tenantId, ask.senderId);
    const now = clock();
    const doc = await Limits.findById(key).lean<SendLimitDoc>();
    const rate = ownRate(doc) ?? rateFor(ask.provider);
    const interval = 1000 / rate.ratePerSec;
    const tolerance = (Math.max(1, rate.burst) - 1) * interval;
    const base = Math.max(doc?.tat ?? 0, now);
    const available = Math.floor((now + tolerance + interval - base) / interval + 1e-9);
    const rank = RANK[ask.priority];
    const ahead = {
      key,
      _id: together.length === 1 ? { $ne: ask.ticket } : { $nin: together },
      expiresAt: { $gt: now },
      $or: [
        { rank: { $lt: rank } },
        { rank, acceptedAt: { $lt: ask.acceptedAt } },
        { rank, acceptedAt: ask.acceptedAt, _id: { $lt: ask.ticket } },
      ],
    };
    if (available >= 1) {
      // Nobody can be waiting once the latest place given out has expired (or, for a sender never
      // written, nobody ever waited): no need to count the line (issue 14: one read less per message).
      const lineSkipped = doc === null || (typeof doc.waitersUntil === 'number' && doc.waitersUntil <= now);
      const before = lineSkipped ? 0 : await Waiters.countDocuments(ahead, { limit: available });
      const count = Math.min(want, available - before);
      if (count >= 1) {
        if (!(await takeAt(key, doc, base + count * interval, lineSkipped))) return 'conflict';
        if (ask.waited) await Waiters.deleteOne({ _id: ask.ticket });
        return { granted: true, count };
      }
    }
    // Tokens are scarce: wait for as many tokens as there are messages ahead, plus one.
    await Waiters.deleteMany({ key, expiresAt: { $lt: now - PLACE_GRACE_MS } });
    const position = await Waiters.countDocuments(ahead);
    const waitMs = Math.min(
      maxWaitMs,
      Math.max(MIN_WAIT_MS, Math.ceil(base - tolerance + position * interval - now)),
    );
    const expiresAt = now + waitMs + PLACE_GRACE_MS;
    // The sender's record first: from this write on, every take counts the line (or conflicts).
    await Limits.updateOne({ _id: key }, { $max: { waitersUntil: expiresAt } });
    await Waiters.updateOne(
      { _id: ask.ticket },
      { $set: { key, rank, acceptedAt: ask.acceptedAt, expiresAt } },
      { upsert: true },
    );
    // How long tokens may gather without any being lost (the bucket holds `burst`), up to TAKE_GATHER_MS.
    return { granted: false, waitMs, position, gatherMs: Math.min(TAKE_GATHER_MS, tolerance) };
  }

  /**
   * Asks of one sender made in this process while another was being answered wait for it, then go
   * together: the best of them (priority, then acceptance) and those of its priority take their
   * tokens in one round trip (askOnce for the last of them, wanting as many as they are). Those it
   * could not serve, and the lower priorities, ask one by one as before. Under load, one compare-and-
   * set for many messages instead of one each, and no conflicts between this process's own asks.
   */
  const lines = new Map<string, { queue: Asking[]; running: boolean }>();
  interface Asking {
    ask: PermitAsk;
    settle: (answer: Promise<PermitAnswer | 'conflict'>) => void;
  }
  const order = (a: PermitAsk, b: PermitAsk) =>
    RANK[a.priority] - RANK[b.priority] ||
    a.acceptedAt - b.acceptedAt ||
    (a.ticket < b.ticket ? -1 : a.ticket > b.ticket ? 1 : 0);

  function askTogether(ask: PermitAsk): Promise<PermitAnswer | 'conflict'> {
    const key = keyOf(ask.tenantId, ask.senderId);
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { queue: [], running: false }));
    const answer = new Promise<PermitAnswer | 'conflict'>((resolve) =>
      (line as { queue: Asking[] }).queue.push({ ask, settle: resolve }),
    );
    if (!line.running) void serve(key, line);
    return answer;
  }

  async function serve(key: string, line: { queue: Asking[]; running: boolean }): Promise<void> {
    line.running = true;
    try {
      while (line.queue.length > 0) {
        const batch = line.queue.splice(0).sort((a, b) => order(a.ask, b.ask));
        const head = (batch[0] as Asking).ask;
        const front = batch.filter((b) => b.ask.priority === head.priority);
        let served = 0;
        if (front.length > 1) {
          const last = (front[front.length - 1] as Asking).ask;
          const r = await askOnce(
            last,
            front.length,
            front.map((b) => b.ask.ticket),
          ).catch((err: unknown) => err as Error);
          if (r instanceof Error) {
            for (const b of batch) b.settle(Promise.reject(r));
            continue;
          }
          if (r !== 'conflict' && r.granted) {
            served = r.count ?? 1;
            for (const b of front.slice(0, served)) b.settle(Promise.resolve({ granted: true }));
            // Their tokens are taken: the places they held are left now. A place that cannot be
            // left (our database just went away) expires by itself a few seconds later.
            const waited = front.slice(0, served).filter((b) => b.ask.waited);
            if (waited.length > 0)
              await Waiters.deleteMany({ _id: { $in: waited.map((b) => b.ask.ticket) } }).catch(
                () => undefined,
              );
          }
        }
        // The rest one by one, in order (each learns its own wait and place in the line).
        for (const b of batch.filter((x) => !front.slice(0, served).includes(x))) {
          const answer = askOnce(b.ask);
          b.settle(answer);
          await answer.catch(() => undefined);
        }
      }
    } finally {
      line.running = false;
      if (line.queue.length === 0) lines.delete(key);
    }
  }

  return {
    /**
     * Takes a token when it is this message's turn. Waits up to `inlineWaitMs` here (short waits:
     * the next token is near); a longer wait is handed back for the caller to sleep durably.
     */
    async ask(ask: PermitAsk, inlineWaitMs = 0): Promise<PermitAnswer> {
      const until = clock() + inlineWaitMs;
      let current = ask;
      for (let conflicts = 0; ;) {
        const answer = await askTogether(current);
        if (answer === 'conflict') {
          if (++conflicts < MAX_CONFLICTS) continue;
          return { granted: false, waitMs: MIN_WAIT_MS, position: 0 };
        }
        if (answer.granted) return { granted: true };
        current = { ...current, waited: true };
        if (clock() + answer.waitMs > until) return answer;
        await new Promise((r) => setTimeout(r, answer.waitMs));
      }
    },

    /**
     * Up to `want` tokens in one take (a broadcast sends many recipients per ask): as many as are
     * free and not owed to messages ahead of `ask` in the line (higher priority, or the same and
     * accepted earlier). None free: `waitMs` until the next, and `ask.ticket` holds a place in the
     * line meanwhile (left when a later take is granted with `waited`).
     */
    async take(ask: PermitAsk, want: number): Promise<{ granted: number; waitMs: number }> {
      for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
        const answer = await askOnce(ask, Math.max(1, want));
        if (answer === 'conflict') continue;
        if (answer.granted) return { granted: answer.count ?? 1, waitMs: 0 };
        // Sending at the sender's rate: the next take comes once a batch of tokens has gathered, not
        // for each token as it comes (each take is a few database round trips: at 80/s, one per token
        // cost more than the sends' own writes).
        return { granted: 0, waitMs: Math.max(answer.waitMs, answer.gatherMs ?? 0) };
      }
      return { granted: 0, waitMs: MIN_WAIT_MS };
    },

    /** The sender's line now (live waiters, first first): who waits for a token, for operators and tests. */
    async line(tenantId: string, senderId: string): Promise<{ ticket: string; priority: Priority }[]> {
      const waiters = await Waiters.find({ key: keyOf(tenantId, senderId), expiresAt: { $gt: clock() } })
        .sort({ rank: 1, acceptedAt: 1, _id: 1 })
        .lean();
      const byRank = Object.fromEntries(Object.entries(RANK).map(([p, r]) => [r, p as Priority]));
      return waiters.map((w) => ({ ticket: w._id, priority: byRank[w.rank] as Priority }));
    },

    /** A message that will not send (cancelled) leaves the line. */
    async leave(ticket: string): Promise<void> {
      await Waiters.deleteOne({ _id: ticket });
    },

    /** The sender's own rate, or null for the provider's. */
    async rateOverride(tenantId: string, senderId: string): Promise<SendRate | null> {
      return ownRate(await Limits.findById(keyOf(tenantId, senderId)).lean<SendLimitDoc>());
    },

    /**
     * Sets (or with null clears) the sender's own rate; the next ask uses it, on every worker. The
     * bucket starts full at the new rate: a debt run up at the old rate (a slow sender's next
     * token minutes away) does not carry over.
     */
    async setRateOverride(tenantId: string, senderId: string, rate: SendRate | null): Promise<void> {
      await Limits.updateOne(
        { _id: keyOf(tenantId, senderId) },
        {
          $set: { ratePerSec: rate?.ratePerSec ?? null, burst: rate?.burst ?? null, tat: 0 },
          $setOnInsert: { waitersUntil: 0 },
        },
        { upsert: true },
      );
    },
  };
}

export type SendLimiter = ReturnType<typeof createSendLimiter>;
