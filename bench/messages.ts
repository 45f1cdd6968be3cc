/**
 * Benchmark (not a test): N messages through the API → message workflows → the Meta fake on
 * loopback, which answers and POSTs signed status webhooks back to the API.
 *
 *   npx tsx bench/messages.ts [--n 5000] [--concurrency 32] [--rate 80] [--statuses sent,delivered] [--memory]
 *
 * Starts its own Temporal dev server (SQLite file with WAL, or --memory) and FerretDB unless
 * TEMPORAL_ADDRESS / MONGODB_URI are set, then the real API (src/api/server.ts) and worker
 * (workers/main.ts) as child processes configured like production, pointed at the fake.
 * Prints accepted/s, sent/s, delivered/s, p50/p99 accept latency, p50/p99 accept→sent, lost, duplicated.
 */
import { parseArgs } from 'node:util';
import { messageHistoryModel } from '../src/db/models/message-history.model';
import type { StatusName } from '../test/fakes/meta-graph.fake';
import {
  forEachConcurrently,
  log,
  percentile as pct,
  runBench,
  sendText,
  startBenchStack,
} from './lib/stack';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    rate: { type: 'string', default: '80' },
    statuses: { type: 'string', default: 'sent,delivered' },
    memory: { type: 'boolean', default: false },
    'drain-timeout': { type: 'string', default: '300' },
  },
});
const N = Number(args.n);
const CONCURRENCY = Number(args.concurrency);

async function main(): Promise<void> {
  const stack = await startBenchStack({
    name: 'bench',
    tenant: 'bench',
    memory: args.memory,
    autoStatuses: args.statuses.split(',').filter(Boolean) as StatusName[],
    env: { RATE_LIMIT_META_PER_SECOND: args.rate, RATE_LIMIT_META_BURST: args.rate },
  });
  const { fake, mongo } = stack;
  try {
    log(
      `driving ${N} messages, concurrency ${CONCURRENCY}, sender rate ${args.rate}/s, statuses ${args.statuses}`,
    );
    const acceptedAt = new Map<string, number>();
    const acceptLatency: number[] = [];
    let rejected = 0;
    const t0 = Date.now();
    await forEachConcurrently(N, CONCURRENCY, async (i) => {
      const start = performance.now();
      const res = await sendText(stack, i, 'bench');
      acceptLatency.push(performance.now() - start);
      if (res.status === 202 && res.id) acceptedAt.set(res.id, Date.now());
      else rejected++;
    });
    const acceptSecs = (Date.now() - t0) / 1000;
    log(`accepted ${acceptedAt.size} (${rejected} rejected) in ${acceptSecs.toFixed(1)} s`);

    const Message = messageHistoryModel(mongo);
    const wantDelivered = args.statuses.includes('delivered');
    const deadline = Date.now() + Number(args['drain-timeout']) * 1000;
    let delivered = 0;
    let lastProgress = '';
    while (Date.now() < deadline) {
      const sentIds = new Set(
        fake.accepted.map((a) => String(a.body.biz_opaque_callback_data).split(':')[1]),
      );
      delivered = wantDelivered
        ? await Message.countDocuments({ tenantId: 'bench', status: { $in: ['delivered', 'read'] } })
        : 0;
      const progress = `sent ${sentIds.size}/${acceptedAt.size}, delivered ${delivered}`;
      if (progress !== lastProgress) log(progress);
      lastProgress = progress;
      if (sentIds.size >= acceptedAt.size && (!wantDelivered || delivered >= acceptedAt.size)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const tEnd = Date.now();
    const firstSend = new Map<string, number>();
    let duplicated = 0;
    for (const a of fake.accepted) {
      const id = String(a.body.biz_opaque_callback_data).split(':')[1] as string;
      if (firstSend.has(id)) duplicated++;
      else firstSend.set(id, a.at);
    }
    const lost = [...acceptedAt.keys()].filter((id) => !firstSend.has(id)).length;
    const acceptToSent = [...acceptedAt]
      .filter(([id]) => firstSend.has(id))
      .map(([id, at]) => (firstSend.get(id) as number) - at);
    const lastSent = Math.max(...firstSend.values());
    const totalSecs = (tEnd - t0) / 1000;
    const report = {
      messages: N,
      accepted: acceptedAt.size,
      'accepted/s': +(acceptedAt.size / acceptSecs).toFixed(1),
      'sent/s (end to end)': +(firstSend.size / ((lastSent - t0) / 1000)).toFixed(1),
      'delivered/s (end to end)': wantDelivered ? +(delivered / totalSecs).toFixed(1) : 'n/a',
      'accept latency p50 ms': +pct(acceptLatency, 50).toFixed(1),
      'accept latency p99 ms': +pct(acceptLatency, 99).toFixed(1),
      'accept→sent p50 ms': pct(acceptToSent, 50),
      'accept→sent p99 ms': pct(acceptToSent, 99),
      lost,
      duplicated,
      'webhook failures': fake.webhookFailures.length,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
}

runBench(main);
