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
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  freePort,
  startFerretDb,
  startTemporalDevServer,
  stopChild,
  type Started,
} from '../scripts/lib/infra';
import { connectMongo } from '../src/db/connection';
import { messageHistoryModel } from '../src/db/models/message-history.model';
import { createApiKeyRepository } from '../src/db/repositories/api-key.repository';
import { createSenderRepository } from '../src/db/repositories/sender.repository';
import { createSecretBox } from '../src/security/secret-box';
import type { MessageStatus } from '../src/domain/message';
import { workflowIds } from '../src/temporal/workflow-ids';
import { messageStatusSignal } from '../workflows/message.definitions';
import { MetaGraphFake } from '../test/fakes/meta-graph.fake';

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
const PHONE_ID = '109876543210987';
const WABA = '102290129340398';
const TOKEN = `EAAG${randomBytes(24).toString('hex')}`;
const APP_SECRET = randomBytes(16).toString('hex');
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number).toFixed(1);
};
const log = (m: string) => process.stdout.write(`[bench] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startNode(script: string, env: Record<string, string>, name: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code, sig) => {
    if (code !== 0 && sig !== 'SIGTERM') log(`${name} exited (${code ?? sig})`);
  });
  return child;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${url} not ready`);
}

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
function statusWebhook(messageId: string, wamid: string, status: 'sent' | 'delivered' | 'read') {
  const raw = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID },
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
    signature: `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`,
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
  const started: Started[] = [];
  const children: ChildProcess[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-wh-'));
  let pgDatabase: string | undefined;
  try {
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const port = await freePort();
      started.push(
        await startTemporalDevServer({
          port,
          dbFile: args.memory ? undefined : path.join(tmp, 'temporal.db'),
          stdio: 'ignore',
          logLevel: 'error',
        }),
      );
      temporalAddress = `127.0.0.1:${port}`;
    }
    let mongoUri = process.env.MONGODB_URI;
    if (!mongoUri) {
      pgDatabase = `dw_bench_wh_${Date.now().toString(36)}`;
      createPostgresDatabase(pgDatabase);
      const port = await freePort();
      started.push(await startFerretDb({ port, database: pgDatabase, stdio: 'ignore', logLevel: 'error' }));
      mongoUri = `mongodb://127.0.0.1:${port}/bench`;
    }
    const bundle = path.join(tmp, 'workflow-bundle.js');
    await buildWorkflowBundle(bundle);

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const fake = await new MetaGraphFake({ tokens: { [PHONE_ID]: TOKEN }, appSecret: APP_SECRET }).start();
    const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
    const env = {
      TEMPORAL_ADDRESS: temporalAddress,
      MONGODB_URI: mongoUri,
      ENCRYPTION_KEYS,
      TEMPORAL_TASK_QUEUE: taskQueue,
      META_GRAPH_BASE_URL: fake.baseUrl,
      META_APP_SECRET: APP_SECRET,
      RATE_LIMIT_META_PER_SECOND: '1000',
      RATE_LIMIT_META_BURST: '1000',
      // The bench sends free-form text to made-up users: no 24-hour window is open for them.
      CUSTOMER_WINDOW_ENFORCE: 'false',
      WORKFLOW_BUNDLE_PATH: bundle,
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      PORT: String(apiPort),
      HOST: '127.0.0.1',
    };
    const worker = startNode('workers/main.ts', env, 'worker');
    const api = startNode('src/api/server.ts', env, 'api');
    children.push(worker, api);
    await waitReady(`${apiUrl}/readyz`, 60_000);

    const mongo = await connectMongo(mongoUri, { maxPoolSize: 5 });
    const apiKey = (await createApiKeyRepository(mongo).create(TENANT)).token;
    await createSenderRepository(
      mongo,
      createSecretBox(new Map([['k1', Buffer.from(ENCRYPTION_KEYS.slice(3), 'base64')]])),
    ).register(TENANT, {
      senderId: 'meta-bench',
      phoneNumberId: PHONE_ID,
      wabaId: WABA,
      displayPhoneNumber: '15550783881',
      accessToken: TOKEN,
    });

    log(`creating ${MESSAGES} messages to follow`);
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < MESSAGES) {
          const i = next++;
          const res = await fetch(`${apiUrl}/v1/messages`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${apiKey}`,
              'content-type': 'application/json',
              'idempotency-key': `bench-wh-${i}`,
            },
            body: JSON.stringify({
              from: 'meta-bench',
              to: `4915${String(100000000 + i)}`,
              type: 'text',
              text: { body: `bench ${i}` },
            }),
          });
          const body = (await res.json()) as { id?: string };
          if (res.status !== 202 || !body.id) throw new Error(`send ${i}: HTTP ${res.status}`);
          ids.push(body.id);
        }
      }),
    );
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
      for (const id of ids) webhooks.push(statusWebhook(id, wamidOf.get(id) as string, status));
    webhooks.length = Math.min(webhooks.length, TOTAL);
    // Let the setup's backlog (sent records, search attributes) settle before measuring.
    await sleep(3000);

    const temporal = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const pids = {
      api: api.pid,
      worker: worker.pid,
      temporal: started[0]?.child.pid,
      ferretdb: started[1]?.child.pid,
      bench: process.pid,
    };
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
            .signal(messageStatusSignal, {
              status: w.status as 'delivered' | 'read',
              providerMessageId: w.wamid,
              at: new Date().toISOString(),
              tenantId: TENANT,
              messageId: w.messageId,
            });
          return true;
        } catch {
          return false;
        }
      }
      return (await postWebhook(agent, apiPort, w)) === 200;
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
    await mongo.close();
    await fake.stop();
  } finally {
    for (const c of children) await stopChild(c, 15_000);
    for (const s of started.reverse()) await s.stop();
    if (pgDatabase) dropPostgresDatabase(pgDatabase);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
