import { createSendLimiter } from '../../src/db/repositories/send-limiter.repository';
import { sendLimitModel, sendWaiterModel } from '../../src/db/models/send-limit.model';
import type { PermitAnswer, PermitAsk } from '../../src/domain/send-permit';
import type { Priority } from '../../src/domain/message';
import { useDatabase } from '../fixtures/infra';

/**
 * The sender rate limiter on the real MongoDB-protocol server: asks of one sender that come together
 * in a process are answered together (one compare-and-set for many), and still in the line's order
 * with the sender's rate exact.
 */
describe('send limiter: asks that come together', () => {
  const db = useDatabase();
  const at = 1_800_000_000_000;
  const asking =
    (senderId: string) =>
    (n: number, priority: Priority, acceptedAt: number): PermitAsk => ({
      tenantId: 'tenant-l',
      senderId,
      provider: 'meta',
      ticket: `message:tenant-l:${senderId}-${priority}-${n}`,
      priority,
      acceptedAt,
    });

  it('grants exactly the burst to many asks at once, priority first then acceptance; the rest wait in order', async () => {
    // A frozen clock: no token comes back during the test, so exactly the burst is granted.
    const limiter = createSendLimiter(db.conn, () => ({ ratePerSec: 1, burst: 4 }), { clock: () => at });
    const ask = asking('together');
    // The first ask goes alone; the nine that come while it is answered go together.
    const asks = [
      ask(0, 'high', at - 100),
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => ask(i, 'normal', at - 90 + i)),
      ask(8, 'high', at - 50),
      ask(9, 'high', at - 40),
    ];
    const answers = await Promise.all(asks.map((a) => limiter.ask(a)));
    const granted = asks
      .filter((_, i) => (answers[i] as PermitAnswer).granted)
      .map((a) => a.ticket)
      .sort();
    expect(granted).toEqual([asks[0], asks[1], asks[8], asks[9]].map((a) => a?.ticket).sort());
    const waiting = asks
      .map((a, i) => ({ a, answer: answers[i] as PermitAnswer }))
      .filter((x) => !x.answer.granted)
      .map((x) => ({ ticket: x.a.ticket, position: (x.answer as { position: number }).position }));
    // The normals still waiting, each behind the ones accepted before it.
    expect(waiting.map((w) => w.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await limiter.line('tenant-l', 'together')).map((w) => w.ticket)).toEqual(
      waiting.map((w) => w.ticket),
    );
    // Four tokens taken, no more: the bucket's time moved by exactly four intervals.
    const doc = await sendLimitModel(db.conn).findById('tenant-l:together').lean();
    expect(doc?.tat).toBe(at + 4 * 1000);
  });

  it('answers asks of one sender in a process with far fewer round trips than asks', async () => {
    const limiter = createSendLimiter(db.conn, () => ({ ratePerSec: 1000, burst: 1000 }));
    const ask = asking('many');
    const Limits = sendLimitModel(db.conn);
    let writes = 0;
    const updateOne = Limits.updateOne.bind(Limits);
    const spy = jest.spyOn(Limits, 'updateOne').mockImplementation(((...a: Parameters<typeof updateOne>) => {
      writes++;
      return updateOne(...a);
    }) as typeof Limits.updateOne);
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => limiter.ask(ask(i, 'normal', Date.now() + i))),
      );
      expect(answers.every((a) => a.granted)).toBe(true);
      // One per batch (the first ask alone, then the rest together), not one per ask.
      expect(writes).toBeLessThan(10);
    } finally {
      spy.mockRestore();
    }
  });

  /** A sender at one token a second, burst 1, on a clock the test moves (`clock.t`). */
  const onTestClock = (senderId: string) => {
    const clock = { t: at };
    const limiter = createSendLimiter(db.conn, () => ({ ratePerSec: 1, burst: 1 }), {
      clock: () => clock.t,
    });
    return { clock, limiter, ask: asking(senderId) };
  };

  it('counts the line only while a place given out may still be held', async () => {
    const { clock, limiter, ask } = onTestClock('expiring');
    const Waiters = sendWaiterModel(db.conn);
    const counts = jest.spyOn(Waiters, 'countDocuments');
    try {
      expect(await limiter.ask(ask(0, 'normal', clock.t - 100))).toEqual({ granted: true });
      // Nobody ever waited for this sender: its first take did not count the line.
      expect(counts).not.toHaveBeenCalled();
      const waiting = ask(1, 'normal', clock.t - 50);
      expect((await limiter.ask(waiting)).granted).toBe(false);
      const until = (await sendLimitModel(db.conn).findById('tenant-l:expiring').lean())?.waitersUntil;
      expect(until).toBeGreaterThan(clock.t);
      // A token is back: a later message is still behind the one waiting (the line is counted)…
      clock.t += 1_000;
      counts.mockClear();
      expect((await limiter.ask(ask(2, 'normal', clock.t))).granted).toBe(false);
      expect(counts).toHaveBeenCalled();
      // …which takes it when it asks again.
      expect(await limiter.ask({ ...waiting, waited: true })).toEqual({ granted: true });
      // Every place given out has expired: the next take does not count the line.
      clock.t = (until as number) + 60_000;
      counts.mockClear();
      expect(await limiter.ask(ask(3, 'normal', clock.t))).toEqual({ granted: true });
      expect(counts).not.toHaveBeenCalled();
    } finally {
      counts.mockRestore();
    }
  });

  it('a waiter that joins between an ask reading the sender and taking its token turns the take into a fresh ask', async () => {
    const { clock, limiter, ask } = onTestClock('race');
    const Limits = sendLimitModel(db.conn);
    expect(await limiter.ask(ask(0, 'normal', clock.t - 100))).toEqual({ granted: true });
    clock.t += 1_000; // one token back
    // Another worker's high-priority message joins the line right after this ask read the sender.
    const join = async () => {
      await Limits.updateOne({ _id: 'tenant-l:race' }, { $max: { waitersUntil: clock.t + 60_000 } });
      await sendWaiterModel(db.conn).create({
        _id: 'message:tenant-l:race-high',
        key: 'tenant-l:race',
        rank: 0,
        acceptedAt: clock.t - 1_000,
        expiresAt: clock.t + 60_000,
      });
    };
    const findById = Limits.findById.bind(Limits);
    let joined = false;
    const spy = jest.spyOn(Limits, 'findById').mockImplementation(((id: string) => {
      const query = findById(id);
      if (joined) return query;
      joined = true;
      return {
        lean: async () => {
          const doc = await query.lean();
          await join();
          return doc;
        },
      };
    }) as never);
    try {
      const answer = await limiter.ask(ask(1, 'normal', clock.t - 10));
      // Not the token the high-priority message is owed: the take conflicted, the ask was made
      // again, counted the line and found one ahead of it.
      expect(joined).toBe(true);
      expect(answer).toMatchObject({ granted: false, position: 1 });
    } finally {
      spy.mockRestore();
    }
  });
});
