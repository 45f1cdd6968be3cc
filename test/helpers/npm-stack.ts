import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropPostgresDatabase, freePort } from '../../scripts/lib/infra';

const root = path.resolve(__dirname, '..', '..');

/** Polls `cond` every 200 ms until it holds (its value), or throws naming `what` at the deadline. */
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

export interface NpmStack {
  npmPid: number;
  ports: StackPorts;
  /** What the stack printed so far, without colours. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process the supervisor started, by name, from its log; and the supervisor and reaper. */
  pids(): Map<string, number>;
  /** SIGKILLs whatever is left, drops the database and removes the data dir (once). */
  cleanup(): void;
}

/**
 * `npm run stack` as a user runs it (npm → exec bash scripts/stack.sh → exec node, the supervisor:
 * install check, tools, build, then every process), beside anything else running: free ports, a
 * data dir and a PostgreSQL database of its own, in a process group of its own (what Ctrl-C
 * signals). Resolves once the supervisor says ready; a stack that failed is cleaned up and rejects.
 */
export async function startNpmStack(
  name: string,
  extraEnv: Record<string, string>,
  readyMs: number,
): Promise<NpmStack> {
  // Temporal's metrics port too: left to the server, its random pick once took the port given to a
  // simulator (EADDRINUSE, the stack stopped).
  const [temporal, ui, mongo, gateway, api, metrics, meta, dialog360, twilio, temporalMetrics] =
    (await distinctFreePorts(10)) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
  const ports: StackPorts = { temporal, ui, mongo, gateway, api, metrics, meta, dialog360, twilio };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `dw-${name}-`));
  const database = `dw_${name}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const inherited = ['PATH', 'HOME', 'LANG', 'PG_ADMIN_URL', 'DW_CACHE_DIR', 'XDG_CACHE_HOME', 'GOPATH'];
  const env: Record<string, string> = {
    ...Object.fromEntries(inherited.filter((k) => process.env[k]).map((k) => [k, process.env[k] as string])),
    DW_DATA_DIR: dataDir,
    DW_TEMPORAL_PORT: String(temporal),
    DW_TEMPORAL_UI_PORT: String(ui),
    DW_TEMPORAL_METRICS_PORT: String(temporalMetrics),
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
    new Map(
      [...output().matchAll(/\[stack +\] (\S+) started \(pid (\d+)\)/g)].map((m) => [
        m[1] as string,
        Number(m[2]),
      ]),
    );
  let cleaned = false;
  const stack: NpmStack = {
    npmPid: npm.pid as number,
    ports,
    output,
    exited,
    pids,
    cleanup() {
      if (cleaned) return;
      cleaned = true;
      for (const pid of [npm.pid as number, ...pids().values()]) {
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
  } catch (err) {
    stack.cleanup();
    throw err;
  }
  return stack;
}
