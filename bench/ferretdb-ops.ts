/**
 * What one MongoDB operation costs on the MongoDB-protocol server (not a test): the statements a
 * message record sees (insert in bulk, update by _id, update by _id in commands of 4 — FerretDB 1.24
 * wedges on larger ones at this concurrency, see src/db/bulk-writes.ts) against a collection of
 * message-sized documents, at several concurrencies. Prints ops/s and CPU ms per op of FerretDB and
 * of its PostgreSQL backends. Uses MONGODB_URI when set (no CPU figures then), else FerretDB on a
 * fresh database.
 *
 *   npx tsx bench/ferretdb-ops.ts [--docs 20000] [--ops 2000]
 */
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { messageHistoryModel, QUEUED_LIFECYCLE } from '../src/db/models/message-history.model';
import { cpuUse, log, runBench, startBenchMongo } from './lib/stack';

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '20000' },
    ops: { type: 'string', default: '2000' },
    /** The message model's own indexes on the collection (each write updates every index). */
    'product-indexes': { type: 'boolean', default: false },
  },
});
const DOCS = Number(args.docs);
const OPS = Number(args.ops);

/** A broadcast recipient's record as the product queues it. */
function doc(i: number) {
  return {
    _id: `bench:msg_${i}`,
    tenantId: 'bench',
    messageId: `msg_${i}`,
    senderId: 'meta-bench',
    provider: 'meta',
    priority: 'normal',
    recipientPhone: `4916${100000000 + i}`,
    messageType: 'template',
    messageContent: 'Template bench_notice (en_US): C1',
    content: { type: 'template', template: { name: 'bench_notice', language: 'en_US', components: [] } },
    ...QUEUED_LIFECYCLE,
    metadata: null,
    broadcastId: 'bc_1',
    broadcastIndex: i,
    notifyPending: false,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

async function main(): Promise<void> {
  const m = await startBenchMongo('ferretops', 'ops');
  const conn = await mongoose.createConnection(m.uri, { maxPoolSize: 64 }).asPromise();
  const col = conn.collection('whatsapp_message_histories');
  try {
    await col.createIndex({ tenantId: 1, broadcastId: 1 });
    if (args['product-indexes']) {
      await messageHistoryModel(conn).syncIndexes();
      log(`indexes: ${(await col.indexes()).map((i) => i.name).join(', ')}`);
    }
    for (let i = 0; i < DOCS; i += 1000)
      await col.insertMany(Array.from({ length: 1000 }, (_, k) => doc(i + k)) as never[], { ordered: false });
    log(`${DOCS} documents inserted`);
    const rows: Record<string, number | string>[] = [];
    let next = 0;
    /** The last row, per statement of its commands of `size`. */
    const perStatement = (size: number) => {
      const last = rows[rows.length - 1] as Record<string, number>;
      for (const k of ['ferretdb cpu ms/op', 'postgres cpu ms/op'])
        last[k] = +((last[k] as number) / size).toFixed(3);
      last['ops/s'] = (last['ops/s'] as number) * size;
    };
    const measure = async (
      name: string,
      concurrency: number,
      ops: number,
      op: (i: number) => Promise<unknown>,
    ) => {
      const cpu = cpuUse({ ferretdb: m.ferret?.child.pid }, m.pgDatabase);
      const t0 = Date.now();
      let k = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (;;) {
            const i = k++;
            if (i >= ops) return;
            await op(i);
          }
        }),
      );
      const secs = (Date.now() - t0) / 1000;
      const used = cpu();
      rows.push({
        op: name,
        concurrency,
        'ops/s': +(ops / secs).toFixed(0),
        'ferretdb cpu ms/op': +(((used.ferretdb ?? 0) * 1000) / ops).toFixed(2),
        'postgres cpu ms/op': +(((used.postgres ?? 0) * 1000) / ops).toFixed(2),
      });
    };
    for (const conc of [1, 8, 24]) {
      await measure('updateOne by _id (sent)', conc, OPS, () => {
        const i = next++ % DOCS;
        return col.updateOne(
          { _id: `bench:msg_${i}` as never, status: { $in: ['queued'] } },
          {
            $set: {
              status: 'sent',
              providerMessageId: `wamid.${i}`,
              sentAt: new Date(),
              updatedAt: new Date(),
            },
          },
        );
      });
    }
    for (const [size, conc] of [
      [4, 6],
      [4, 2],
    ] as const) {
      await measure(`bulkWrite of ${size} updates by _id (per statement)`, conc, OPS / size, () => {
        const ops = Array.from({ length: size }, () => {
          const i = next++ % DOCS;
          return {
            updateOne: {
              filter: { _id: `bench:msg_${i}` as never },
              update: { $set: { status: 'delivered', deliveredAt: new Date(), updatedAt: new Date() } },
            },
          };
        });
        return col.bulkWrite(ops, { ordered: false });
      });
      perStatement(size);
    }
    let ins = DOCS;
    await measure('insertMany of 100 (per document)', 2, 20, () =>
      col.insertMany(Array.from({ length: 100 }, () => doc(ins++)) as never[], { ordered: false }),
    );
    perStatement(100);
    await measure('findOne by _id', 8, OPS, () =>
      col.findOne({ _id: `bench:msg_${next++ % DOCS}` as never }),
    );
    console.table(rows);
  } finally {
    await conn.close();
    await m.stop();
  }
}

runBench(main);
