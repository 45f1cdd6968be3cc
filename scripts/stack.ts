import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createPostgresDatabase, stopChild, temporalDevServerArgs, toolPath, waitForPort } from './lib/infra';

/**
 * `npm run stack`: the whole local stack in one process tree, logs prefixed per process.
 *   temporal  Temporal CLI dev server, SQLite file in .data/ (WAL), Web UI on :8233, search attributes registered
 *   mongo     FerretDB on :27017 over the machine's PostgreSQL (or mongod if on PATH; skipped when MONGODB_URI is given)
 *   gateway   the WhatsApp Web gateway simulator on :3100 when no GATEWAY_BASE_URL is given
 *   worker    workers/main.ts (prebuilt workflow bundle)
 *   api       src/api/server.ts on :3000
 * Ctrl-C / SIGTERM stops them in reverse order and exits 0. A process that dies on its own stops the stack (exit 1).
 */

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const dataDir = path.join(root, '.data');
const colors = ['36', '35', '33', '32', '34', '31'];

interface Proc {
  name: string;
  child: ChildProcess;
}
const procs: Proc[] = [];
let stopping = false;

function log(name: string, line: string, color = '1'): void {
  process.stdout.write(`\x1b[${color}m[${name.padEnd(8)}]\x1b[0m ${line}\n`);
}

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const color = colors[procs.length % colors.length] as string;
  // Own process group: Ctrl-C reaches only this supervisor, which then stops everything in order.
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on('line', (l) => log(name, l, color));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log('stack', `${name} exited unexpectedly (code ${code}, signal ${signal}); stopping the stack`, '31');
      void shutdown(1);
    }
  });
  procs.push({ name, child });
  return child;
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stack', 'stopping…');
  for (const p of [...procs].reverse()) {
    await stopChild(p.child, p.name === 'worker' ? 35_000 : 10_000);
    log('stack', `${p.name} stopped`);
  }
  process.exit(code);
}

/** Development secrets, generated once and kept in the git-ignored .data/ folder. */
function devSecrets(): Record<string, string> {
  const file = path.join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const secrets = {
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
    GATEWAY_MASTER_KEY: randomBytes(24).toString('base64url'),
    GATEWAY_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('exit', () => procs.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL')));
  mkdirSync(dataDir, { recursive: true });

  const secrets = devSecrets();
  const env: NodeJS.ProcessEnv = { ...secrets, ...pick(process.env, Object.keys(secrets)) };

  if (process.env.TEMPORAL_ADDRESS) {
    log('stack', `Temporal: using ${process.env.TEMPORAL_ADDRESS}`);
  } else {
    const t = start(
      'temporal',
      toolPath('temporal'),
      temporalDevServerArgs({
        port: 7233,
        uiPort: 8233,
        dbFile: path.join(dataDir, 'temporal.db'),
        logLevel: 'warn',
      }),
    );
    await waitForPort('127.0.0.1', 7233, 60_000, t);
    await waitForPort('127.0.0.1', 8233, 60_000, t);
    env.TEMPORAL_ADDRESS = '127.0.0.1:7233';
    log('stack', 'Temporal dev server on 127.0.0.1:7233, Web UI on http://localhost:8233');
  }

  if (process.env.MONGODB_URI) {
    log('stack', 'MongoDB: using MONGODB_URI');
  } else if (spawnSync('sh', ['-c', 'command -v mongod']).status === 0) {
    mkdirSync(path.join(dataDir, 'mongo'), { recursive: true });
    const m = start('mongod', 'mongod', [
      '--dbpath',
      path.join(dataDir, 'mongo'),
      '--bind_ip',
      '127.0.0.1',
      '--port',
      '27017',
    ]);
    await waitForPort('127.0.0.1', 27017, 60_000, m);
    env.MONGODB_URI = 'mongodb://127.0.0.1:27017/durable_whatsapp';
  } else {
    createPostgresDatabase('durable_whatsapp_ferretdb', true);
    const pg = new URL(process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    pg.pathname = '/durable_whatsapp_ferretdb';
    const f = start('ferretdb', toolPath('ferretdb'), [
      '--listen-addr',
      '127.0.0.1:27017',
      '--postgresql-url',
      pg.toString(),
      '--log-level',
      'error',
    ]);
    await waitForPort('127.0.0.1', 27017, 30_000, f);
    env.MONGODB_URI = 'mongodb://127.0.0.1:27017/durable_whatsapp';
    log('stack', 'FerretDB (MongoDB wire protocol on PostgreSQL) on 127.0.0.1:27017');
  }

  const simulator = path.join(dist, 'src', 'simulator', 'main.js');
  if (!process.env.GATEWAY_BASE_URL && existsSync(simulator)) {
    const port = Number(process.env.PORT ?? 3000);
    // The keys go by environment: on the command line, one beginning with `-` was read as an option.
    const g = start(
      'gateway',
      process.execPath,
      [simulator, '--port=3100', `--webhook-url=http://127.0.0.1:${port}/webhooks/gateway`],
      pick(env, ['GATEWAY_MASTER_KEY', 'GATEWAY_WEBHOOK_SECRET']),
    );
    await waitForPort('127.0.0.1', 3100, 30_000, g);
    env.GATEWAY_BASE_URL = 'http://127.0.0.1:3100';
    log(
      'stack',
      'WhatsApp Web gateway simulator on http://127.0.0.1:3100 (scan: POST /simulator/sessions/:id/scan)',
    );
  }

  start('worker', process.execPath, [path.join(dist, 'workers', 'main.js')], env);
  const api = start('api', process.execPath, [path.join(dist, 'src', 'api', 'server.js')], env);
  const apiPort = Number(process.env.PORT ?? 3000);
  await waitForPort('127.0.0.1', apiPort, 60_000, api);
  log(
    'stack',
    `ready: API http://localhost:${apiPort} (GET /readyz) · Temporal Web UI http://localhost:8233`,
    '32',
  );
  log('stack', 'create an API key: npm run apikey -- create <tenant>   ·   Ctrl-C stops everything', '32');
}

function pick(src: NodeJS.ProcessEnv, keys: string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(keys.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
}

main().catch((err: unknown) => {
  log('stack', `failed: ${err instanceof Error ? err.message : String(err)}`, '31');
  void shutdown(1);
});
