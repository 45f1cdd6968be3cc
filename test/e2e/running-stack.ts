import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropPostgresDatabase, freePort } from '../../scripts/lib/infra';

const root = path.resolve(__dirname, '..', '..');

/** Polls `cond` every 200 ms until it holds, or throws naming `what` at the deadline. */
export async function until<T>(
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export type StackPorts = Record<
  'temporal' | 'ui' | 'mongo' | 'gateway' | 'api' | 'metrics' | 'meta' | 'dialog360' | 'twilio',
  number
>;

/**
 * `npm run stack` as a newcomer runs it (install check, tools, build, then every process: Temporal,
 * FerretDB, the gateway simulator, the Meta, 360dialog and Twilio simulators, worker, API), beside
 * anything else running: free ports, a data dir and a PostgreSQL database of its own — the way
 * test/integration/stack.test.ts starts it. `stop()` is Ctrl-C (SIGINT to the process group);
 * `cleanup()` then kills whatever is left and removes the data dir and the database.
 */
export async function startRunningStack(extraEnv: Record<string, string> = {}, readyMs = 180_000) {
  const [temporal, ui, mongo, gateway, api, metrics, meta, dialog360, twilio] = (await distinctFreePorts(
    9,
  )) as [number, number, number, number, number, number, number, number, number];
  const ports: StackPorts = { temporal, ui, mongo, gateway, api, metrics, meta, dialog360, twilio };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dw-newcomer-'));
  const database = `dw_newcomer_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const inherited = ['PATH', 'HOME', 'LANG', 'PG_ADMIN_URL', 'DW_CACHE_DIR', 'XDG_CACHE_HOME', 'GOPATH'];
  const env: Record<string, string> = {
    ...Object.fromEntries(inherited.filter((k) => process.env[k]).map((k) => [k, process.env[k] as string])),
    DW_DATA_DIR: dataDir,
    DW_TEMPORAL_PORT: String(temporal),
    DW_TEMPORAL_UI_PORT: String(ui),
    DW_MONGO_PORT: String(mongo),
    DW_GATEWAY_PORT: String(gateway),
    DW_META_PORT: String(meta),
    DW_DIALOG360_PORT: String(dialog360),
    DW_TWILIO_PORT: String(twilio),
    DW_FERRETDB_DATABASE: database,
    PORT: String(api),
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(metrics),
    WORKER_METRICS_HOST: '127.0.0.1',
    ...extraEnv,
  };
  // Its own process group, as a terminal gives a command: the group is what Ctrl-C signals.
  const npm = spawn('npm', ['run', 'stack'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const output = () => out.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
  const pids = () =>
    [...output().matchAll(/\[stack +\] \S+ started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  const mongoUri = `mongodb://127.0.0.1:${mongo}/durable_whatsapp`;

  let cleaned = false;
  const stack = {
    ports,
    apiUrl: `http://127.0.0.1:${api}`,
    metaUrl: `http://127.0.0.1:${meta}`,
    dialog360Url: `http://127.0.0.1:${dialog360}`,
    twilioUrl: `http://127.0.0.1:${twilio}`,
    mongoUri,
    output,
    /**
     * `npm run apikey -- create <tenant>` against this stack's database: the key it prints once.
     * Asynchronous on purpose: a blocked event loop cannot see the API close an idle keep-alive
     * socket, and the next fetch on that socket then fails with "other side closed".
     */
    async createApiKey(tenant: string): Promise<string> {
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'npm',
          ['run', '--silent', 'apikey', '--', 'create', tenant],
          { cwd: root, env: { ...process.env, MONGODB_URI: mongoUri }, encoding: 'utf8', timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      const key = /api key \(shown once, store it now\): (\S+)/.exec(r.stdout)?.[1];
      if (r.status !== 0 || !key)
        throw new Error(`npm run apikey failed (${r.status}): ${r.stdout}${r.stderr}`);
      return key;
    },
    /** Ctrl-C: SIGINT to the process group; resolves with how npm exited (null after `timeoutMs`). */
    async stop(timeoutMs = 90_000) {
      if (npm.exitCode === null && npm.signalCode === null) {
        try {
          process.kill(-(npm.pid as number), 'SIGINT');
        } catch {
          // already gone
        }
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
      const how = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      return how;
    },
    cleanup() {
      if (cleaned) return;
      cleaned = true;
      for (const pid of [npm.pid as number, ...pids()]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone, as it should be
        }
      }
      dropPostgresDatabase(database);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await until(
      () => /\[stack +\] (ready:|failed)/.test(output()) || npm.exitCode !== null,
      'the stack to be ready',
      readyMs,
    );
    if (!/\[stack +\] ready:/.test(output())) throw new Error(`the stack did not start:\n${output()}`);
    await until(
      async () => (await fetch(`${stack.apiUrl}/readyz`).catch(() => null))?.status === 200,
      'GET /readyz 200',
      60_000,
    );
  } catch (err) {
    await stack.stop(30_000);
    stack.cleanup();
    throw err;
  }
  return stack;
}

export type RunningStack = Awaited<ReturnType<typeof startRunningStack>>;
