import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createPostgresDatabase,
  postgresAdminUrl,
  temporalDevServerArgs,
  toolPath,
  waitForPort,
} from './lib/infra';
import { startOfficialSimulators } from './lib/official-simulators';
import { createSupervisor } from './lib/supervisor';

/**
 * `npm run stack`: the whole local stack in one process tree, logs prefixed per process.
 *   temporal  Temporal CLI dev server, SQLite file in the data dir (WAL), Web UI, search attributes registered
 *   mongo     FerretDB over the machine's PostgreSQL (or mongod if on PATH; skipped when MONGODB_URI is given)
 *   gateway   the WhatsApp Web gateway simulator when no GATEWAY_BASE_URL is given
 *   meta, 360dialog, twilio  the official-platform simulators, each when its provider has no real
 *             account or host configured (scripts/lib/official-simulators.ts)
 *   worker    workers/main.ts (prebuilt workflow bundle)
 *   api       src/api/server.ts
 * Ctrl-C / SIGTERM / SIGHUP stop them in reverse order and exit 0; see scripts/lib/supervisor.ts.
 * Secrets reach the children only through their environment, never their command line.
 * Where it runs can be moved (a second stack beside a developer's, as the process tests do):
 * DW_DATA_DIR, DW_TEMPORAL_PORT, DW_TEMPORAL_UI_PORT, DW_TEMPORAL_METRICS_PORT (default: the
 * server's random pick), DW_MONGO_PORT, DW_GATEWAY_PORT,
 * DW_META_PORT, DW_DIALOG360_PORT, DW_TWILIO_PORT, DW_FERRETDB_DATABASE, and PORT /
 * WORKER_METRICS_PORT as the API and the worker read them.
 */

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const env = process.env;

function port(name: string, fallback: number): number {
  const value = env[name] ? Number(env[name]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port`);
  return value;
}

const settings = {
  dataDir: path.resolve(env.DW_DATA_DIR || path.join(root, '.data')),
  temporalPort: port('DW_TEMPORAL_PORT', 7233),
  temporalUiPort: port('DW_TEMPORAL_UI_PORT', 8233),
  temporalMetricsPort: env.DW_TEMPORAL_METRICS_PORT ? port('DW_TEMPORAL_METRICS_PORT', 0) : undefined,
  mongoPort: port('DW_MONGO_PORT', 27017),
  gatewayPort: port('DW_GATEWAY_PORT', 3100),
  simulatorPorts: {
    meta: port('DW_META_PORT', 3101),
    dialog360: port('DW_DIALOG360_PORT', 3102),
    twilio: port('DW_TWILIO_PORT', 3103),
  },
  apiPort: port('PORT', 3000),
  ferretDatabase: env.DW_FERRETDB_DATABASE || 'durable_whatsapp_ferretdb',
  workerGraceMs: (Number(env.WORKER_SHUTDOWN_GRACE_MS) || 30_000) + 5_000,
};

const stack = createSupervisor(root);
const { log } = stack;

/** Issue 15: the Temporal payload codec's key, the Recipient hash key and the Web UI's codec token. */
const temporalSecrets = () => ({
  TEMPORAL_PAYLOAD_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  TEMPORAL_RECIPIENT_HASH_KEY: randomBytes(32).toString('base64'),
  TEMPORAL_CODEC_TOKEN: randomBytes(32).toString('base64url'),
});

/** Development secrets, generated once and kept in the git-ignored data dir. */
function devSecrets(): Record<string, string> {
  const file = path.join(settings.dataDir, 'dev-secrets.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    if (saved.TEMPORAL_PAYLOAD_KEYS) return saved;
    // A data dir from before the codec gets its keys once (its older, plain payloads still decode).
    const upgraded = { ...saved, ...temporalSecrets() };
    writeFileSync(file, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    return upgraded;
  }
  const secrets = {
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
    GATEWAY_MASTER_KEY: randomBytes(24).toString('base64url'),
    GATEWAY_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
    // The MAC key of status references (issue 15); a data dir made before it derives one instead.
    STATUS_REF_KEY: randomBytes(32).toString('base64'),
    ...temporalSecrets(),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function main(): Promise<void> {
  const { dataDir } = settings;
  mkdirSync(dataDir, { recursive: true });
  const secrets = devSecrets();
  // The children's environment: the generated secrets, unless the caller's environment sets its own.
  const childEnv: NodeJS.ProcessEnv = { ...secrets, ...pick(env, Object.keys(secrets)) };
  // Local development (issue 15): callbacks may go to http://localhost receivers unless the
  // environment says otherwise; a deployment's default refuses both.
  childEnv.CALLBACK_ALLOW_HTTP = env.CALLBACK_ALLOW_HTTP ?? 'true';
  childEnv.CALLBACK_ALLOW_PRIVATE_NETWORKS = env.CALLBACK_ALLOW_PRIVATE_NETWORKS ?? 'true';
  // Where providers and the gateway call us back: this stack's API, whatever its port.
  childEnv.PUBLIC_BASE_URL = env.PUBLIC_BASE_URL ?? `http://localhost:${settings.apiPort}`;

  if (env.TEMPORAL_ADDRESS) {
    log('stack', `Temporal: using ${env.TEMPORAL_ADDRESS}`);
  } else {
    const { temporalPort, temporalUiPort, temporalMetricsPort } = settings;
    const t = stack.start(
      'temporal',
      toolPath('temporal'),
      temporalDevServerArgs({
        port: temporalPort,
        uiPort: temporalUiPort,
        metricsPort: temporalMetricsPort,
        dbFile: path.join(dataDir, 'temporal.db'),
        logLevel: 'warn',
        // The UI decodes sealed payloads through the API (issue 15). The UI sends no header, so the
        // token rides in the endpoint's path: on this command line, which grants local users nothing
        // the unauthenticated local UI does not already show them.
        uiCodecEndpoint: `http://localhost:${settings.apiPort}/codec/${childEnv.TEMPORAL_CODEC_TOKEN}`,
      }),
    );
    await waitForPort('127.0.0.1', temporalPort, 60_000, t);
    await waitForPort('127.0.0.1', temporalUiPort, 60_000, t);
    childEnv.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
    childEnv.TEMPORAL_CODEC_CORS_ORIGINS ??= `http://localhost:${temporalUiPort},http://127.0.0.1:${temporalUiPort}`;
    // The admin page links messages, sessions, broadcasts and onboardings to their workflows there.
    childEnv.TEMPORAL_UI_URL = env.TEMPORAL_UI_URL ?? `http://localhost:${temporalUiPort}`;
    log(
      'stack',
      `Temporal dev server on 127.0.0.1:${temporalPort}, Web UI on http://localhost:${temporalUiPort}`,
    );
  }

  const { mongoPort } = settings;
  if (env.MONGODB_URI) {
    log('stack', 'MongoDB: using MONGODB_URI');
  } else if (spawnSync('sh', ['-c', 'command -v mongod']).status === 0) {
    mkdirSync(path.join(dataDir, 'mongo'), { recursive: true });
    const m = stack.start('mongod', 'mongod', [
      `--dbpath=${path.join(dataDir, 'mongo')}`,
      '--bind_ip=127.0.0.1',
      `--port=${mongoPort}`,
    ]);
    await waitForPort('127.0.0.1', mongoPort, 60_000, m);
    childEnv.MONGODB_URI = `mongodb://127.0.0.1:${mongoPort}/durable_whatsapp`;
  } else {
    createPostgresDatabase(settings.ferretDatabase, true);
    const pg = new URL(postgresAdminUrl());
    pg.pathname = `/${settings.ferretDatabase}`;
    // `--flag=value`: the URL may carry a password, which could begin with anything.
    const f = stack.start('ferretdb', toolPath('ferretdb'), [
      `--listen-addr=127.0.0.1:${mongoPort}`,
      `--postgresql-url=${pg.toString()}`,
      '--log-level=error',
    ]);
    await waitForPort('127.0.0.1', mongoPort, 30_000, f);
    childEnv.MONGODB_URI = `mongodb://127.0.0.1:${mongoPort}/durable_whatsapp`;
    log('stack', `FerretDB (MongoDB wire protocol on PostgreSQL) on 127.0.0.1:${mongoPort}`);
  }

  const simulator = path.join(dist, 'src', 'simulator', 'main.js');
  const { gatewayPort, apiPort } = settings;
  if (!env.GATEWAY_BASE_URL && existsSync(simulator)) {
    const g = stack.start(
      'gateway',
      process.execPath,
      [simulator, `--port=${gatewayPort}`, `--webhook-url=http://127.0.0.1:${apiPort}/webhooks/gateway`],
      { env: pick(childEnv, ['GATEWAY_MASTER_KEY', 'GATEWAY_WEBHOOK_SECRET']) },
    );
    await waitForPort('127.0.0.1', gatewayPort, 30_000, g);
    childEnv.GATEWAY_BASE_URL = `http://127.0.0.1:${gatewayPort}`;
    log(
      'stack',
      `WhatsApp Web gateway simulator on http://127.0.0.1:${gatewayPort} (scan: POST /simulator/sessions/:id/scan)`,
    );
  }

  await startOfficialSimulators({
    stack,
    env,
    childEnv,
    dataDir,
    dist,
    apiPort,
    ports: settings.simulatorPorts,
  });

  stack.start('worker', process.execPath, [path.join(dist, 'workers', 'main.js')], {
    env: childEnv,
    graceMs: settings.workerGraceMs,
  });
  // The API closes idle connections at once and busy ones after 10 s (src/api/server.ts).
  const api = stack.start('api', process.execPath, [path.join(dist, 'src', 'api', 'server.js')], {
    env: childEnv,
    graceMs: 15_000,
  });
  await waitForPort('127.0.0.1', apiPort, 60_000, api);
  log(
    'stack',
    `ready: API http://localhost:${apiPort} (GET /readyz) · Temporal Web UI http://localhost:${settings.temporalUiPort}`,
    '32',
  );
  log('stack', 'create an API key: npm run apikey -- create <tenant>   ·   Ctrl-C stops everything', '32');
}

function pick(src: NodeJS.ProcessEnv, keys: string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(keys.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
}

main().catch((err: unknown) => {
  // A stop asked for while starting makes the start fail: that is no failure of its own.
  if (!stack.isStopping()) log('stack', `failed: ${err instanceof Error ? err.message : String(err)}`, '31');
  void stack.shutdown(1);
});
