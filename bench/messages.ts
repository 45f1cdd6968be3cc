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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
import { MetaGraphFake, type StatusName } from '../test/fakes/meta-graph.fake';

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
const PHONE_ID = '109876543210987';
const TOKEN = `EAAG${randomBytes(24).toString('hex')}`;
const APP_SECRET = randomBytes(16).toString('hex');
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const log = (m: string) => process.stdout.write(`[bench] ${m}\n`);

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
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready`);
}

async function main(): Promise<void> {
  const started: Started[] = [];
  const children: ChildProcess[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-'));
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
      pgDatabase = `dw_bench_${Date.now().toString(36)}`;
      createPostgresDatabase(pgDatabase);
      const port = await freePort();
      started.push(await startFerretDb({ port, database: pgDatabase, stdio: 'ignore', logLevel: 'error' }));
      mongoUri = `mongodb://127.0.0.1:${port}/bench`;
    }
    const bundle = path.join(tmp, 'workflow-bundle.js');
    await buildWorkflowBundle(bundle);

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const fake = await new MetaGraphFake({
      tokens: { [PHONE_ID]: TOKEN },
      appSecret: APP_SECRET,
      webhookUrl: `${apiUrl}/webhooks/meta`,
      autoStatuses: args.statuses.split(',').filter(Boolean) as StatusName[],
    }).start();
    const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
    const env = {
      TEMPORAL_ADDRESS: temporalAddress,
      MONGODB_URI: mongoUri,
      ENCRYPTION_KEYS,
      TEMPORAL_TASK_QUEUE: taskQueue,
      META_GRAPH_BASE_URL: fake.baseUrl,
      META_APP_SECRET: APP_SECRET,
      RATE_LIMIT_META_PER_SECOND: args.rate,
      RATE_LIMIT_META_BURST: args.rate,
      WORKFLOW_BUNDLE_PATH: bundle,
      LOG_LEVEL: 'warn',
      // The bench sends free-form text to made-up users: no 24-hour window is open for them.
      CUSTOMER_WINDOW_ENFORCE: 'false',
      PORT: String(apiPort),
      HOST: '127.0.0.1',
    };
    children.push(startNode('workers/main.ts', env, 'worker'), startNode('src/api/server.ts', env, 'api'));
    await waitReady(`${apiUrl}/readyz`, 60_000);

    const mongo = await connectMongo(mongoUri, { maxPoolSize: 5 });
    const apiKey = (await createApiKeyRepository(mongo).create('bench')).token;
    await createSenderRepository(
      mongo,
      createSecretBox(new Map([['k1', Buffer.from(ENCRYPTION_KEYS.slice(3), 'base64')]])),
    ).register('bench', {
      senderId: 'meta-bench',
      phoneNumberId: PHONE_ID,
      wabaId: '102290129340398',
      displayPhoneNumber: '15550783881',
      accessToken: TOKEN,
    });

    log(
      `driving ${N} messages, concurrency ${CONCURRENCY}, sender rate ${args.rate}/s, statuses ${args.statuses}`,
    );
    const acceptedAt = new Map<string, number>();
    const acceptLatency: number[] = [];
    let rejected = 0;
    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++;
          const start = performance.now();
          const res = await fetch(`${apiUrl}/v1/messages`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${apiKey}`,
              'content-type': 'application/json',
              'idempotency-key': `bench-${i}`,
            },
            body: JSON.stringify({
              from: 'meta-bench',
              to: `4915${String(100000000 + i)}`,
              type: 'text',
              text: { body: `bench ${i}` },
            }),
          });
          const body = (await res.json()) as { id?: string };
          acceptLatency.push(performance.now() - start);
          if (res.status === 202 && body.id) acceptedAt.set(body.id, Date.now());
          else rejected++;
        }
      }),
    );
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
