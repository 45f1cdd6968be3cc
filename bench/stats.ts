/**
 * Benchmark (not a test): ways to compute GET /v1/stats over N history records on the real
 * FerretDB (or MONGODB_URI), and FerretDB's two-accumulator $group fault.
 *
 *   npx tsx bench/stats.ts [--n 10000] [--days 30]
 *
 * Inserts N records of one tenant spread over `days` UTC days (plus as many of another tenant),
 * then times, for 7 days by day, 7 days by hour and 30 days by day:
 *   repository  what GET /v1/stats runs: one projected find, streamed and folded in TypeScript
 *   $group      one $match + single-accumulator $group keyed by (status, provider, sender,
 *               period, code), over period keys stored on each record (the alternative)
 *   counts      countDocuments per (status, day)
 */
import { parseArgs } from 'node:util';
import type { Model } from 'mongoose';
import { connectMongo } from '../src/db/connection';
import { messageHistoryModel, type MessageHistoryDoc } from '../src/db/models/message-history.model';
import {
  createMessageStatsRepository,
  type StatsQuery,
} from '../src/db/repositories/message-stats.repository';
import { MESSAGE_STATUSES } from '../src/domain/message';
import { periodsBetween, utcDay, utcHour } from '../src/domain/message-stats';
import { log, startBenchMongo } from './lib/stack';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '10000' }, days: { type: 'string', default: '30' } },
});
const N = Number(args.n);
const DAYS = Number(args.days);
const DAY_MS = 86_400_000;
const END = new Date(Date.UTC(2025, 5, 1));

function record(tenantId: string, i: number): Record<string, unknown> {
  // Spread over the whole range: a stride of 7919 minutes wraps around `days` many times.
  const createdAt = new Date(END.getTime() - ((i * 7919) % (DAYS * 1440)) * 60_000 - (i % 60) * 1000 - 1);
  const status = MESSAGE_STATUSES[i % MESSAGE_STATUSES.length] as string;
  return {
    _id: `${tenantId}:m${i}`,
    tenantId,
    messageId: `m${i}`,
    senderId: `s${i % 7}`,
    provider: ['meta', '360dialog', 'twilio', 'whatsapp_web'][i % 4],
    status,
    errorCode: status === 'failed' ? `E${i % 5}` : null,
    errorMessage: status === 'failed' ? `error ${i}` : null,
    failedAt: status === 'failed' ? createdAt : null,
    retryCount: 1,
    createdAt,
    deletedAt: null,
    createdDay: utcDay(createdAt),
    createdHour: utcHour(createdAt),
  };
}

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  log(`${what.padEnd(34)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
  return out;
}

async function groupOnly(Message: Model<MessageHistoryDoc>, q: StatsQuery) {
  return Message.aggregate([
    { $match: { tenantId: 'bench-a', deletedAt: null, createdAt: { $gte: q.from, $lt: q.to } } },
    {
      $group: {
        _id: {
          status: '$status',
          provider: '$provider',
          senderId: '$senderId',
          period: q.granularity === 'day' ? '$createdDay' : '$createdHour',
          errorCode: '$errorCode',
        },
        n: { $sum: 1 },
      },
    },
  ]);
}

async function countsPerBucket(Message: Model<MessageHistoryDoc>, q: StatsQuery) {
  const field = q.granularity === 'day' ? 'createdDay' : 'createdHour';
  let total = 0;
  for (const period of periodsBetween(q.from, q.to, q.granularity))
    for (const status of MESSAGE_STATUSES)
      total += await Message.countDocuments({
        tenantId: 'bench-a',
        deletedAt: null,
        status,
        [field]: period,
      });
  return total;
}

async function main(): Promise<void> {
  const db = await startBenchMongo('bench_stats', 'bench_stats');
  const conn = await connectMongo(db.uri, { maxPoolSize: 5 });
  try {
    const Message = messageHistoryModel(conn);
    await Message.init();
    const coll = Message.collection;
    for (const tenant of ['bench-a', 'bench-b'])
      for (let i = 0; i < N; i += 1000)
        await coll.insertMany(
          Array.from({ length: Math.min(1000, N - i) }, (_, k) => record(tenant, i + k)) as never[],
        );
    log(`${2 * N} records over ${DAYS} days (2 tenants)`);

    const two = await coll
      .aggregate([
        { $match: { tenantId: 'bench-a', status: 'failed' } },
        { $group: { _id: '$errorCode', n: { $sum: 1 }, retries: { $sum: '$retryCount' } } },
      ])
      .toArray();
    const one = await coll
      .aggregate([
        { $match: { tenantId: 'bench-a', status: 'failed' } },
        { $group: { _id: '$errorCode', n: { $sum: 1 } } },
      ])
      .toArray();
    const sum = (xs: Record<string, unknown>[], k: string) => xs.reduce((a, x) => a + Number(x[k] ?? 0), 0);
    log(
      `failed, all retryCount 1: {$sum:1} alone ${sum(one, 'n')}; ` +
        `together with {$sum:'$retryCount'}: ${sum(two, 'n')} and ${sum(two, 'retries')}`,
    );

    const stats = createMessageStatsRepository(conn);
    const ranges: [string, StatsQuery][] = [
      ['7 days by day', { from: new Date(END.getTime() - 7 * DAY_MS), to: END, granularity: 'day' }],
      ['7 days by hour', { from: new Date(END.getTime() - 7 * DAY_MS), to: END, granularity: 'hour' }],
      ['30 days by day', { from: new Date(END.getTime() - 30 * DAY_MS), to: END, granularity: 'day' }],
    ];
    for (const [name, q] of ranges) {
      const got = await timed(`${name}: repository`, () => stats.stats('bench-a', q));
      const groups = await timed(`${name}: $group`, () => groupOnly(Message, q));
      const grouped = groups.reduce((a, g: { n: number }) => a + g.n, 0);
      if (got.totals.total !== grouped) throw new Error(`totals differ: ${got.totals.total} vs ${grouped}`);
      const buckets = periodsBetween(q.from, q.to, q.granularity).length * MESSAGE_STATUSES.length;
      if (q.granularity === 'day')
        await timed(`${name}: countDocuments x ${buckets}`, () => countsPerBucket(Message, q));
      log(`${name}: ${got.totals.total} messages, ${groups.length} groups, ${got.failures.length} codes`);
    }
  } finally {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
