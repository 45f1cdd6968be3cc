/**
 * Benchmark (not a test; issue 14): what a message costs, measured against a bare calibration
 * workflow on the same Temporal server in the same run.
 *
 *   npx tsx bench/messages.ts [--n 2000] [--concurrency 32] [--rate 80] [--open-rate 20] [--open-n 300]
 *                             [--status-delay 1000] [--variants a,b,c] [--sample 40] [--memory]
 *
 * Starts its own Temporal dev server (SQLite file with WAL, or --memory) and FerretDB unless
 * TEMPORAL_ADDRESS / MONGODB_URI are set, the real API and worker as child processes configured
 * like production, and the Meta fake on loopback, which answers each send and, `--status-delay` ms
 * later, POSTs its signed status webhook to the API (or, for (a), signals the workflow directly).
 *   (a) calibration: record (local activity) → send activity → record → wait for one `delivered`
 *       signal → record (bench/calibration/, its own worker process);
 *   (b) the product, statuses sent + delivered;  (c) the product, sent + delivered + read.
 * For each: N messages closed-loop (--concurrency), then --open-n offered open-loop at --open-rate/s.
 * Prints sent/s end to end, accept p50/p99 (closed) and p99 (open), history events and visibility
 * updates per message (sampled from histories), lost, duplicated, and (b)/(a).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { stopChild } from '../scripts/lib/infra';
import { messageHistoryModel } from '../src/db/models/message-history.model';
import { workflowIds } from '../src/temporal/workflow-ids';
import type { StatusName } from '../test/fakes/meta-graph.fake';
import {
  cpuUse,
  databaseWork,
  stackCpu,
  forEachConcurrently,
  log,
  percentile as pct,
  PHONE_ID,
  runBench,
  sendText,
  sleep,
  startBenchStack,
  type BenchStack,
} from './lib/stack';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    rate: { type: 'string', default: '80' },
    'open-rate': { type: 'string', default: '20' },
    'open-n': { type: 'string', default: '300' },
    'status-delay': { type: 'string', default: '1000' },
    variants: { type: 'string', default: 'a,b,c' },
    sample: { type: 'string', default: '40' },
    memory: { type: 'boolean', default: false },
    /** Print the event types of one sampled history per variant (to see where events come from). */
    'show-history': { type: 'boolean', default: false },
    'drain-timeout': { type: 'string', default: '600' },
  },
});
const N = Number(args.n);
const CONCURRENCY = Number(args.concurrency);
const OPEN_N = Number(args['open-n']);
const OPEN_RATE = Number(args['open-rate']);
const STATUS_DELAY = Number(args['status-delay']);

type Variant = 'a' | 'b' | 'c';
interface Driven {
  /** message id → when its accept answered (ms) */
  acceptedAt: Map<string, number>;
  latency: number[];
  t0: number;
}
interface Row {
  variant: string;
  'sent/s': number;
  'accept p50 ms': number;
  'accept p99 ms': number;
  'open-loop accept p99 ms': number;
  'history events/msg': number;
  'visibility updates/msg': number;
  'workflow tasks/msg': number;
  lost: number;
  duplicated: number;
}

async function drive(
  count: number,
  offset: number,
  open: boolean,
  accept: (i: number) => Promise<string | null>,
): Promise<Driven> {
  const acceptedAt = new Map<string, number>();
  const latency: number[] = [];
  const t0 = Date.now();
  const one = async (i: number) => {
    const start = performance.now();
    const id = await accept(offset + i);
    latency.push(performance.now() - start);
    if (id) acceptedAt.set(id, Date.now());
  };
  if (!open) await forEachConcurrently(count, CONCURRENCY, one);
  else {
    // Open loop: request i leaves at t0 + i / rate whether or not earlier ones have answered.
    const all: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / OPEN_RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      all.push(one(i));
    }
    await Promise.all(all);
  }
  return { acceptedAt, latency, t0 };
}

async function waitFor(
  what: string,
  done: () => Promise<number>,
  target: number,
  sent?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + Number(args['drain-timeout']) * 1000;
  // Until the fake has every send (`sent`), counting records would only add the bench's own
  // reads to what is measured (FerretDB reads every record of the tenant for such a count).
  while (sent && !sent() && Date.now() < deadline) await sleep(200);
  let last = -1;
  while (Date.now() < deadline) {
    const n = await done();
    if (n !== last) log(`${what}: ${n}/${target}`);
    last = n;
    if (n >= target) return;
    await sleep(1000);
  }
  throw new Error(`${what}: only ${last}/${target} before the drain timeout`);
}

/** Events, visibility updates (start, upserts, close) and workflow tasks per history, averaged over a sample. */
async function historyCost(
  client: Client,
  workflowIds: string[],
): Promise<Pick<Row, 'history events/msg' | 'visibility updates/msg' | 'workflow tasks/msg'>> {
  const sample = [...workflowIds].sort(() => Math.random() - 0.5).slice(0, Number(args.sample));
  let events = 0;
  let visibility = 0;
  let tasks = 0;
  for (const id of sample) {
    const history = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    events += history.length;
    visibility += history.filter(
      (e) =>
        e.workflowExecutionStartedEventAttributes ||
        e.upsertWorkflowSearchAttributesEventAttributes ||
        e.workflowExecutionCompletedEventAttributes ||
        e.workflowExecutionFailedEventAttributes,
    ).length;
    tasks += history.filter((e) => e.workflowTaskScheduledEventAttributes).length;
  }
  if (args['show-history'] && sample[0]) {
    const history = (await client.workflow.getHandle(sample[0]).fetchHistory()).events ?? [];
    log(`${sample[0]}: ${history.map((e) => String(e.eventType).replace('EVENT_TYPE_', '')).join(' ')}`);
  }
  const avg = (x: number) => +(x / sample.length).toFixed(2);
  return {
    'history events/msg': avg(events),
    'visibility updates/msg': avg(visibility),
    'workflow tasks/msg': avg(tasks),
  };
}

function sendsById(stack: BenchStack, idOf: (cb: string) => string | null): Map<string, number[]> {
  const sends = new Map<string, number[]>();
  for (const a of stack.fake.accepted) {
    const id = idOf(String(a.body.biz_opaque_callback_data ?? ''));
    if (id) sends.set(id, [...(sends.get(id) ?? []), a.at]);
  }
  return sends;
}

function row(
  variant: string,
  closed: Driven,
  open: Driven,
  sends: Map<string, number[]>,
  cost: Awaited<ReturnType<typeof historyCost>>,
): Row {
  const firsts = [...closed.acceptedAt.keys()]
    .map((id) => sends.get(id)?.[0])
    .filter((t): t is number => t !== undefined);
  const all = [...closed.acceptedAt.keys(), ...open.acceptedAt.keys()];
  return {
    variant,
    'sent/s': +(firsts.length / ((Math.max(...firsts) - closed.t0) / 1000)).toFixed(1),
    'accept p50 ms': +pct(closed.latency, 50).toFixed(1),
    'accept p99 ms': +pct(closed.latency, 99).toFixed(1),
    'open-loop accept p99 ms': +pct(open.latency, 99).toFixed(1),
    ...cost,
    lost: all.filter((id) => !sends.has(id)).length,
    duplicated: all.filter((id) => (sends.get(id)?.length ?? 0) > 1).length,
  };
}

function startCalibrationWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      path.join(__dirname, 'calibration', 'worker.ts'),
    ],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`calibration worker exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const variants = args.variants.split(',') as Variant[];
  const ref: { client?: Client } = {};
  const stack = await startBenchStack({
    name: 'bench',
    tenant: 'bench',
    memory: args.memory,
    autoStatuses: ['sent', 'delivered'],
    statusDelayMs: STATUS_DELAY,
    env: { RATE_LIMIT_META_PER_SECOND: args.rate, RATE_LIMIT_META_BURST: args.rate },
    // (a): the fake signals the calibration workflow itself, after the same delay as its webhooks.
    onAccepted: (a) => {
      const cb = String(a.body.biz_opaque_callback_data ?? '');
      if (!cb.startsWith('calibration:')) return;
      setTimeout(() => {
        void ref.client?.workflow
          .getHandle(cb.slice('calibration:'.length))
          .signal('delivered')
          .catch((e: unknown) => log(`signal failed: ${String(e)}`));
      }, STATUS_DELAY);
    },
  });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  ref.client = client;
  const Message = messageHistoryModel(stack.mongo);
  const rows: Row[] = [];
  /** CPU ms per message by process over each closed-loop phase (the bench process runs the fake and the client). */
  const cpuPerMessage: Record<string, number | string>[] = [];
  const perMessage = (used: Record<string, number>, n: number) =>
    Object.fromEntries(
      Object.entries(used).map(([k, secs]) => [`${k} ms/msg`, +((secs * 1000) / n).toFixed(2)]),
    );
  const tag = Date.now().toString(36);
  try {
    log(
      `${N} messages closed-loop (concurrency ${CONCURRENCY}) + ${OPEN_N} open-loop at ${OPEN_RATE}/s per variant; sender rate ${args.rate}/s; statuses ${STATUS_DELAY} ms after each send`,
    );
    for (const v of variants) {
      if (v === 'a') {
        stack.fake.setAutoStatuses([]);
        const taskQueue = `calibration-${tag}`;
        const worker = await startCalibrationWorker({
          CAL_TEMPORAL_ADDRESS: stack.temporalAddress,
          CAL_TASK_QUEUE: taskQueue,
          CAL_MONGODB_URI: stack.mongoUri,
          CAL_META_URL: stack.fake.baseUrl,
          CAL_PHONE_ID: PHONE_ID,
          CAL_TOKEN: stack.metaToken,
        });
        const start = async (i: number) => {
          const id = `calibration-${tag}-${i}`;
          await client.workflow.start('calibrationWorkflow', {
            workflowId: id,
            taskQueue,
            args: [{ id, n: i }],
          });
          return id;
        };
        const records = stack.mongo.collection('bench_calibration');
        log('(a) calibration: closed loop');
        const cpu = cpuUse(
          {
            worker: worker.pid,
            temporal: stack.pids.temporal,
            ferretdb: stack.pids.ferretdb,
            bench: process.pid,
          },
          stack.pgDatabase,
        );
        const sentBefore = stack.fake.accepted.length;
        const sentAll = (n: number) => () => stack.fake.accepted.length >= sentBefore + n;
        const closed = await drive(N, 0, false, start);
        await waitFor('(a) delivered', () => records.countDocuments({ status: 'delivered' }), N, sentAll(N));
        cpuPerMessage.push({ variant: '(a)', ...perMessage(cpu(), N) });
        log('(a) calibration: open loop');
        const open = await drive(OPEN_N, N, true, start);
        await waitFor(
          '(a) delivered',
          () => records.countDocuments({ status: 'delivered' }),
          N + OPEN_N,
          sentAll(N + OPEN_N),
        );
        const cost = await historyCost(client, [...closed.acceptedAt.keys()]);
        rows.push(
          row(
            '(a) calibration',
            closed,
            open,
            sendsById(stack, (cb) => (cb.startsWith('calibration:') ? cb.slice(12) : null)),
            cost,
          ),
        );
        await stopChild(worker, 15_000);
        continue;
      }
      const statuses: StatusName[] = v === 'b' ? ['sent', 'delivered'] : ['sent', 'delivered', 'read'];
      const final: ('delivered' | 'read')[] = v === 'b' ? ['delivered', 'read'] : ['read'];
      stack.fake.setAutoStatuses(statuses);
      const send = async (i: number) => {
        const res = await sendText(stack, i, `${v}-${tag}`);
        return res.status === 202 && res.id ? res.id : null;
      };
      const label = `(${v}) product, ${statuses.join(' + ')}`;
      log(`${label}: closed loop`);
      const cpu = stackCpu(stack);
      const work = stack.pgDatabase ? databaseWork(stack.pgDatabase) : null;
      const sentBefore = stack.fake.accepted.length;
      const sentAll = (n: number) => () => stack.fake.accepted.length >= sentBefore + n;
      const closed = await drive(N, 0, false, send);
      const done = (ids: string[]) => () =>
        Message.countDocuments({ tenantId: 'bench', messageId: { $in: ids }, status: { $in: final } });
      await waitFor(
        `(${v}) ${final[0]}`,
        done([...closed.acceptedAt.keys()]),
        closed.acceptedAt.size,
        sentAll(closed.acceptedAt.size),
      );
      cpuPerMessage.push({ variant: `(${v})`, ...perMessage(cpu(), closed.acceptedAt.size) });
      if (work) {
        log(`(${v}): PostgreSQL rows per message, by collection (closed loop)`);
        console.table(await work(closed.acceptedAt.size));
      }
      log(`${label}: open loop`);
      const open = await drive(OPEN_N, N, true, send);
      await waitFor(
        `(${v}) ${final[0]} (open loop)`,
        done([...open.acceptedAt.keys()]),
        open.acceptedAt.size,
        sentAll(closed.acceptedAt.size + open.acceptedAt.size),
      );
      const cost = await historyCost(
        client,
        [...closed.acceptedAt.keys()].map((id) => workflowIds.message('bench', id)),
      );
      rows.push(
        row(
          label,
          closed,
          open,
          sendsById(stack, (cb) => cb.split(':')[1] ?? null),
          cost,
        ),
      );
    }
    console.table(rows);
    console.table(cpuPerMessage);
    const a = rows.find((r) => r.variant.startsWith('(a)'));
    const b = rows.find((r) => r.variant.startsWith('(b)'));
    if (a && b)
      log(
        `(b)/(a): sent/s ${(b['sent/s'] / a['sent/s']).toFixed(2)} (target ≥ 0.8); history events ${(b['history events/msg'] / a['history events/msg']).toFixed(2)}× (target ≤ 1.2×)`,
      );
    process.stdout.write(`${JSON.stringify({ rows, cpuPerMessage })}\n`);
  } finally {
    await connection.close();
    await stack.stop();
  }
}

runBench(main);
