/**
 * What the benchmarks share: the real stack they measure (Temporal dev server and FerretDB unless
 * TEMPORAL_ADDRESS / MONGODB_URI are set, the workflow bundle, the worker and the API as child
 * processes configured like production, pointed at the Meta fake on loopback, a tenant with an API
 * key and a registered Meta sender), and the small helpers around it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  freePort,
  postgresAdminUrl,
  startFerretDb,
  startTemporalDevServer,
  stopChild,
  type Started,
} from '../../scripts/lib/infra';
import { connectMongo } from '../../src/db/connection';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createSenderRepository } from '../../src/db/repositories/sender.repository';
import { createSecretBox } from '../../src/security/secret-box';
import { MetaGraphFake, type StatusName } from '../../test/fakes/meta-graph.fake';

export const PHONE_ID = '109876543210987';
export const WABA_ID = '102290129340398';
export const DISPLAY_PHONE = '15550783881';

export const log = (m: string) => process.stdout.write(`[bench] ${m}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** Runs `fn(i)` for every i < n, at most `concurrency` at a time (closed loop). */
export async function forEachConcurrently(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Exits 0 once `main` resolves, 1 with the error on stderr if it rejects. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}

export interface BenchMongo {
  uri: string;
  /** The PostgreSQL database under FerretDB, when this bench started it. */
  pgDatabase?: string;
  /** FerretDB's process when this bench started it. */
  ferret?: Started;
  /** Starts FerretDB again on the same port and PostgreSQL database (after a kill). */
  restart?: () => Promise<void>;
  stop(): Promise<void>;
}

/** MONGODB_URI, or FerretDB on a fresh PostgreSQL database `dw_<name>_<time>` that stop() drops. */
export async function startBenchMongo(name: string, mongoDatabase: string): Promise<BenchMongo> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, stop: async () => undefined };
  const pgDatabase = `dw_${name}_${Date.now().toString(36)}`;
  createPostgresDatabase(pgDatabase);
  try {
    const port = await freePort();
    const start = () => startFerretDb({ port, database: pgDatabase, stdio: 'ignore', logLevel: 'error' });
    const m: BenchMongo = {
      uri: `mongodb://127.0.0.1:${port}/${mongoDatabase}`,
      pgDatabase,
      ferret: await start(),
      restart: async () => {
        m.ferret = await start();
      },
      stop: async () => {
        await m.ferret?.stop();
        dropPostgresDatabase(pgDatabase);
      },
    };
    return m;
  } catch (err) {
    dropPostgresDatabase(pgDatabase);
    throw err;
  }
}

export function startNode(script: string, env: Record<string, string>, name: string): ChildProcess {
  // BENCH_NODE_ARGS: extra node flags for the stack's processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...extra, '--import', 'tsx', path.resolve(__dirname, '..', '..', script)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
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

export interface BenchStackOptions {
  /** Names the temporary folder (dw-<name>-…) and the PostgreSQL database (dw_<name>_…). */
  name: string;
  /** The tenant that gets an API key and the Meta sender `meta-bench`. */
  tenant: string;
  /** Temporal in memory instead of a SQLite file with WAL. */
  memory: boolean;
  /** Statuses the Meta fake POSTs, signed, to the API's /webhooks/meta after each send (none if omitted). */
  autoStatuses?: StatusName[];
  /** More environment for the worker and the API (rate limits, …). */
  env?: Record<string, string>;
  /** How long after a send the fake POSTs its statuses (default 0: at once). */
  statusDelayMs?: number;
  /** Called by the fake with every message it accepted. */
  onAccepted?: (a: { wamid: string; body: Record<string, unknown> }) => void;
}

export type BenchProcess = 'worker' | 'api' | 'temporal' | 'ferretdb';

function sigkill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export interface BenchStack {
  temporalAddress: string;
  /** The worker's (message) task queue. */
  taskQueue: string;
  mongoUri: string;
  apiPort: number;
  apiUrl: string;
  apiKey: string;
  appSecret: string;
  /** The access token the fake accepts for PHONE_ID. */
  metaToken: string;
  fake: MetaGraphFake;
  mongo: Connection;
  worker: ChildProcess;
  api: ChildProcess;
  /** Process ids of what this bench started (undefined for what it was given). */
  pids: { api?: number; worker?: number; temporal?: number; ferretdb?: number };
  /** The PostgreSQL database under FerretDB, when this bench started it (its backends' CPU: cpuUse). */
  pgDatabase?: string;
  /**
   * Fault injection: SIGKILL one of the processes this bench started, and start it again on the same
   * port and data (Temporal on its SQLite file, FerretDB on its PostgreSQL database). Resolves once
   * the killed process is gone / the new one listens (worker: spawned).
   */
  kill(name: BenchProcess): Promise<void>;
  restart(name: BenchProcess): Promise<void>;
  /** Stops everything started, in reverse order, and drops the PostgreSQL database. */
  stop(): Promise<void>;
}

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const tmp = mkdtempSync(path.join(os.tmpdir(), `dw-${opts.name.replace(/_/g, '-')}-`));
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let temporal: Started | undefined;
    let startTemporal: (() => Promise<Started>) | undefined;
    if (!temporalAddress) {
      const port = await freePort();
      startTemporal = () =>
        startTemporalDevServer({
          port,
          dbFile: opts.memory ? undefined : path.join(tmp, 'temporal.db'),
          stdio: 'ignore',
          logLevel: 'error',
        });
      temporal = await startTemporal();
      stops.push(() => temporal?.stop() ?? Promise.resolve());
      temporalAddress = `127.0.0.1:${port}`;
    }
    const db = await startBenchMongo(opts.name, 'bench');
    stops.push(db.stop);
    const bundle = path.join(tmp, 'workflow-bundle.js');
    await buildWorkflowBundle(bundle);

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const token = `EAAG${randomBytes(24).toString('hex')}`;
    const appSecret = randomBytes(16).toString('hex');
    const encryptionKey = randomBytes(32);
    const fake = await new MetaGraphFake({
      tokens: { [PHONE_ID]: token },
      appSecret,
      ...(opts.autoStatuses
        ? { webhookUrl: `${apiUrl}/webhooks/meta`, autoStatuses: opts.autoStatuses }
        : {}),
      statusDelayMs: opts.statusDelayMs,
      onAccepted: opts.onAccepted,
    }).start();
    const env = {
      TEMPORAL_ADDRESS: temporalAddress,
      MONGODB_URI: db.uri,
      ENCRYPTION_KEYS: `k1:${encryptionKey.toString('base64')}`,
      TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
      META_GRAPH_BASE_URL: fake.baseUrl,
      META_APP_SECRET: appSecret,
      WORKFLOW_BUNDLE_PATH: bundle,
      LOG_LEVEL: 'warn',
      // The benches send free-form text to made-up users: no 24-hour window is open for them.
      CUSTOMER_WINDOW_ENFORCE: 'false',
      // The benches measure throughput, not admission control (issue 15).
      API_RATE_LIMIT_PER_SECOND: '1000000',
      API_RATE_LIMIT_BURST: '1000000',
      API_RATE_LIMIT_COSTLY_PER_MINUTE: '60000000',
      API_RATE_LIMIT_COSTLY_BURST: '1000000',
      TENANT_MAX_QUEUED_MESSAGES: '10000000',
      ...opts.env,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
    };
    const children = {
      worker: startNode('workers/main.ts', env, 'worker'),
      api: startNode('src/api/server.ts', env, 'api'),
    };
    stops.push(async () => {
      await stopChild(children.worker, 15_000);
      await stopChild(children.api, 15_000);
    });
    stops.push(() => fake.stop());
    await waitReady(`${apiUrl}/readyz`, 60_000);

    const mongo = await connectMongo(db.uri, { maxPoolSize: 5 });
    stops.push(() => mongo.close());
    const apiKey = (await createApiKeyRepository(mongo).create(opts.tenant)).token;
    await createSenderRepository(mongo, createSecretBox(new Map([['k1', encryptionKey]]))).register(
      opts.tenant,
      {
        senderId: 'meta-bench',
        phoneNumberId: PHONE_ID,
        wabaId: WABA_ID,
        displayPhoneNumber: DISPLAY_PHONE,
        accessToken: token,
      },
    );
    return {
      temporalAddress,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      mongoUri: db.uri,
      apiPort,
      apiUrl,
      apiKey,
      appSecret,
      metaToken: token,
      fake,
      mongo,
      get worker() {
        return children.worker;
      },
      get api() {
        return children.api;
      },
      pgDatabase: db.pgDatabase,
      pids: {
        api: children.api.pid,
        worker: children.worker.pid,
        temporal: temporal?.child.pid,
        ferretdb: db.ferret?.child.pid,
      },
      async kill(name) {
        if (name === 'worker' || name === 'api') return sigkill(children[name]);
        const started = name === 'temporal' ? temporal : db.ferret;
        if (!started) throw new Error(`${name} was not started by this bench`);
        await sigkill(started.child);
      },
      async restart(name) {
        if (name === 'worker') children.worker = startNode('workers/main.ts', env, 'worker');
        else if (name === 'api') {
          children.api = startNode('src/api/server.ts', env, 'api');
          await waitReady(`${apiUrl}/healthz`, 60_000);
        } else if (name === 'temporal') {
          if (!startTemporal) throw new Error('temporal was not started by this bench');
          temporal = await startTemporal();
        } else {
          if (!db.restart) throw new Error('ferretdb was not started by this bench');
          await db.restart();
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** POST /v1/messages: free-form text number `i` from `meta-bench` to a made-up user. */
export async function sendText(
  stack: BenchStack,
  i: number,
  idempotencyPrefix: string,
): Promise<{ status: number; id?: string }> {
  const res = await fetch(`${stack.apiUrl}/v1/messages`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': `${idempotencyPrefix}-${i}`,
    },
    body: JSON.stringify({
      from: 'meta-bench',
      to: `4915${String(100000000 + i)}`,
      type: 'text',
      text: { body: `bench ${i}` },
    }),
  });
  const body = (await res.json()) as { id?: string };
  return { status: res.status, id: body.id };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends serving `database` now, by pid (their command line names it). */
function postgresBackends(database: string): number[] {
  return readdirSync('/proc').flatMap((d) => {
    if (!/^\d+$/.test(d)) return [];
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      return cmd.startsWith('postgres:') && cmd.includes(` ${database} `) ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

/**
 * CPU seconds of each process over a phase: call at its start, call the answer at its end.
 * `postgres`: the backends of that database (FerretDB's pool: long-lived, so a backend that ends
 * mid-phase is the only thing missed).
 */
export function cpuUse(
  pids: Record<string, number | undefined>,
  postgres?: string,
): () => Record<string, number> {
  const pgBefore = new Map(postgres ? postgresBackends(postgres).map((p) => [p, cpuSeconds(p)]) : []);
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return () => ({
    ...Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - (before[k] ?? 0)])),
    ...(postgres
      ? {
          postgres: postgresBackends(postgres).reduce(
            (sum, p) => sum + cpuSeconds(p) - (pgBefore.get(p) ?? 0),
            0,
          ),
        }
      : {}),
  });
}

/** cpuUse over every process of the product's stack (and this bench process, which runs the fake). */
export function stackCpu(stack: BenchStack): () => Record<string, number> {
  return cpuUse(
    {
      api: stack.pids.api,
      worker: stack.worker.pid,
      temporal: stack.pids.temporal,
      ferretdb: stack.pids.ferretdb,
      bench: process.pid,
    },
    stack.pgDatabase,
  );
}

/**
 * What PostgreSQL did per FerretDB collection over a phase (pg_stat_user_tables: rows read by scans
 * and by indexes, rows inserted, updated, deleted), divided by `per`: call at its start, call the
 * answer at its end. Tables are FerretDB's (`<collection>_<hash>`), named here by their collection.
 * The statistics collector reports with a delay of up to a second, so the answer waits that long.
 */
export function databaseWork(database: string): (per: number) => Promise<Record<string, number | string>[]> {
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${database}`;
  const cols = [
    'seq_scan',
    'seq_tup_read',
    'idx_scan',
    'idx_tup_fetch',
    'n_tup_ins',
    'n_tup_upd',
    'n_tup_del',
  ];
  const read = () => {
    const out = execFileSync('psql', [
      url.toString(),
      '-tA',
      '-F',
      ',',
      '-c',
      `SELECT relname, ${cols.map((c) => `coalesce(${c}, 0)`).join(', ')} FROM pg_stat_user_tables`,
    ]).toString();
    const rows = new Map<string, number[]>();
    for (const line of out.trim().split('\n').filter(Boolean)) {
      const [rel, ...nums] = line.split(',');
      const name = (rel as string).replace(/_[0-9a-f]{8}$/, '');
      const prev = rows.get(name) ?? cols.map(() => 0);
      rows.set(
        name,
        prev.map((v, i) => v + Number(nums[i])),
      );
    }
    return rows;
  };
  const before = read();
  return async (per) => {
    await sleep(1_500);
    const after = read();
    return [...after]
      .map(([table, nums]) => {
        const was = before.get(table) ?? cols.map(() => 0);
        return {
          table,
          ...Object.fromEntries(
            cols.map((c, i) => [c, +(((nums[i] ?? 0) - (was[i] ?? 0)) / per).toFixed(2)]),
          ),
        };
      })
      .filter((r) => cols.some((c) => (r as Record<string, number | string>)[c] !== 0));
  };
}
