/**
 * Benchmark (not a test): signed Meta status webhooks fired open-loop at a target rate at the real
 * API, for messages that exist and wait for their statuses; reports throughput and p50/p95/p99
 * response times, then how long the worker took to apply every status.
 *
 *   npx tsx bench/webhooks.ts [--rate 500] [--duration 10] [--messages N] [--mode http|signal|api-only]
 *                             [--pause-worker] [--memory]
 *
 * Starts its own Temporal dev server (SQLite file with WAL, or --memory) and FerretDB unless
 * TEMPORAL_ADDRESS / MONGODB_URI are set, then the real API (src/api/server.ts) and worker
 * (workers/main.ts) as child processes configured like production — a load generator sharing the
 * API's event loop would measure itself. Messages are created through POST /v1/messages against
 * the Meta fake (no automatic statuses); then each of `rate × duration` webhooks carries one status
 * (delivered for every message, then read for every message) with our biz_opaque_callback_data, as
 * real sends get. Diagnostics, to show where the time goes: `--mode signal` sends the same events
 * as Temporal signals straight from this process (Temporal's share of the response time);
 * `--mode api-only` sends `sent` statuses, which the route verifies, parses and drops before any
 * signal (the API's own share); `--pause-worker` stops the worker (SIGSTOP) during the load, so
 * Temporal answers signals without the worker competing for the CPU, then resumes it to drain.
 * CPU seconds per process are read from /proc during the load phase.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { messageHistoryModel } from '../src/db/models/message-history.model';
import type { MessageStatus } from '../src/domain/message';
import { workflowIds } from '../src/temporal/workflow-ids';
import { messageStatusesSignal } from '../workflows/message.definitions';
import {
  DISPLAY_PHONE,
  PHONE_ID,
  WABA_ID,
  forEachConcurrently,
  log,
  percentile,
  runBench,
  sendText,
  sleep,
  startBenchStack,
} from './lib/stack';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '10' },
    messages: { type: 'string' },
    mode: { type: 'string', default: 'http' },
    memory: { type: 'boolean', default: false },
    'pause-worker': { type: 'boolean', default: false },
    'drain-timeout': { type: 'string', default: '300' },
  },
});
const RATE = Number(args.rate);
const TOTAL = Math.round(RATE * Number(args.duration));
const MESSAGES = Number(args.messages ?? Math.ceil(TOTAL / 2));
const TENANT = 'bench-wh';

const pct = (xs: number[], p: number) => +percentile(xs, p).toFixed(1);

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** One signed Meta status webhook, bytes and signature ready (signing is not part of the measure). */
function statusWebhook(
  appSecret: string,
  messageId: string,
  wamid: string,
  status: 'sent' | 'delivered' | 'read',
) {
  const raw = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: DISPLAY_PHONE, phone_number_id: PHONE_ID },
              statuses: [
                {
                  id: wamid,
                  status,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  recipient_id: '4915112345678',
                  biz_opaque_callback_data: `${TENANT}:${messageId}`,
                  conversation: { id: randomBytes(16).toString('hex'), origin: { type: 'utility' } },
                  pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  return {
    messageId,
    wamid,
    status,
    raw: Buffer.from(raw),
    signature: `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`,
  };
}

type Webhook = ReturnType<typeof statusWebhook>;

function postWebhook(agent: http.Agent, port: number, w: Webhook): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhooks/meta',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': w.raw.length,
          'x-hub-signature-256': w.signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(w.raw);
  });
}

/** Fires `fire(i)` for i < n at `rate` per second, open loop; resolves with each call's latency. */
async function openLoop(n: number, rate: number, fire: (i: number) => Promise<boolean>) {
  const latencies: number[] = [];
  const lags: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n;) {
    const now = performance.now();
    while (i < n && t0 + (i * 1000) / rate <= now) {
      const due = t0 + (i * 1000) / rate;
      const start = performance.now();
      lags.push(start - due);
      inFlight.push(
        fire(i).then((ok) => {
          latencies.push(performance.now() - start);
          if (!ok) failed++;
        }),
      );
      i++;
    }
    if (i < n) await sleep(Math.max(0, t0 + (i * 1000) / rate - performance.now()));
  }
  const sentIn = (performance.now() - t0) / 1000;
  await Promise.all(inFlight);
  return { latencies, lags, failed, sentIn, doneIn: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const stack = await startBenchStack({
    name: 'bench_wh',
    tenant: TENANT,
    memory: args.memory,
    env: { RATE_LIMIT_META_PER_SECOND: '1000', RATE_LIMIT_META_BURST: '1000', WORKER_METRICS_PORT: '0' },
  });
  const { fake, mongo, worker } = stack;
  try {
    log(`creating ${MESSAGES} messages to follow`);
    const ids: string[] = [];
    await forEachConcurrently(MESSAGES, 32, async (i) => {
      const res = await sendText(stack, i, 'bench-wh');
      if (res.status !== 202 || !res.id) throw new Error(`send ${i}: HTTP ${res.status}`);
      ids.push(res.id);
    });
    const Message = messageHistoryModel(mongo);
    const count = (status: MessageStatus) => Message.countDocuments({ tenantId: TENANT, status });
    const setupDeadline = Date.now() + 600_000;
    while ((await count('sent')) < MESSAGES) {
      if (Date.now() > setupDeadline) throw new Error('messages were not all sent in time');
      await sleep(1000);
    }
    const wamidOf = new Map<string, string>();
    for (const a of fake.accepted)
      wamidOf.set(String(a.body.biz_opaque_callback_data).split(':')[1] as string, a.wamid);
    const webhooks: Webhook[] = [];
    const statuses =
      args.mode === 'api-only' ? (['sent', 'sent'] as const) : (['delivered', 'read'] as const);
    for (const status of statuses)
      for (const id of ids)
        webhooks.push(statusWebhook(stack.appSecret, id, wamidOf.get(id) as string, status));
    webhooks.length = Math.min(webhooks.length, TOTAL);
    // Let the setup's backlog (sent records, search attributes) settle before measuring.
    await sleep(3000);

    const temporal = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const { api, worker: workerPid, temporal: temporalPid, ferretdb } = stack.pids;
    const pids = { api, worker: workerPid, temporal: temporalPid, ferretdb, bench: process.pid };
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    log(`firing ${webhooks.length} status webhooks at ${RATE}/s (${args.mode})`);
    const loadStart = Date.now();
    if (args['pause-worker']) worker.kill('SIGSTOP');
    const run = await openLoop(webhooks.length, RATE, async (i) => {
      const w = webhooks[i] as Webhook;
      if (args.mode === 'signal') {
        try {
          await temporal.workflow
            .getHandle(workflowIds.message(TENANT, w.messageId))
            .signal(messageStatusesSignal, [
              {
                status: w.status as 'delivered' | 'read',
                providerMessageId: w.wamid,
                at: new Date().toISOString(),
                tenantId: TENANT,
                messageId: w.messageId,
              },
            ]);
          return true;
        } catch {
          return false;
        }
      }
      return (await postWebhook(agent, stack.apiPort, w)) === 200;
    });
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [
        k,
        +((cpuSeconds(pid) - (cpuBefore[k] as number)) / run.doneIn).toFixed(2),
      ]),
    );
    if (args['pause-worker']) worker.kill('SIGCONT');
    const wantRead = webhooks.filter((w) => w.status === 'read').length;
    const drainDeadline = Date.now() + Number(args['drain-timeout']) * 1000;
    let read = 0;
    while (Date.now() < drainDeadline) {
      read = await count('read');
      if (read >= wantRead) break;
      await sleep(500);
    }
    const drainSecs = (Date.now() - loadStart) / 1000;
    const report = {
      mode: args.mode,
      'target rate/s': RATE,
      webhooks: webhooks.length,
      'sent rate/s': +(webhooks.length / run.sentIn).toFixed(1),
      'throughput (responses/s)': +(webhooks.length / run.doneIn).toFixed(1),
      'non-200 or errors': run.failed,
      'response p50 ms': pct(run.latencies, 50),
      'response p95 ms': pct(run.latencies, 95),
      'response p99 ms': pct(run.latencies, 99),
      'response max ms': pct(run.latencies, 100),
      'generator lag p99 ms': pct(run.lags, 99),
      'read recorded': `${read}/${wantRead}`,
      'statuses applied/s (first webhook → last read recorded)': +(webhooks.length / drainSecs).toFixed(1),
      'CPU cores used during load (per process)': cpu,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    agent.destroy();
    await temporal.connection.close();
  } finally {
    await stack.stop();
  }
}

runBench(main);
