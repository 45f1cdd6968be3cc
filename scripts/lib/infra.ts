import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { searchAttributeCliFlags } from '../../src/temporal/search-attributes';

/**
 * Starts the real infrastructure the stack and the tests run on: the Temporal CLI dev server and
 * FerretDB (MongoDB wire protocol on the machine's PostgreSQL). Both binaries are built once by
 * scripts/install-tools.sh into a per-user cache outside the repository.
 */

export const cacheDir = (): string =>
  process.env.DW_CACHE_DIR ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'durable-whatsapp');

export function toolPath(name: 'temporal' | 'ferretdb'): string {
  const p = path.join(cacheDir(), 'bin', name);
  if (!existsSync(p))
    throw new Error(`${p} is missing: run \`npm run tools\` (scripts/install-tools.sh) first`);
  return p;
}

export const postgresAdminUrl = (): string =>
  process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port (a condition, polled), or rejects at the deadline. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited with code ${child.exitCode} before ${host}:${port} opened`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function psql(sql: string): void {
  execFileSync('psql', [postgresAdminUrl(), '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
}

/**
 * The PostgreSQL database FerretDB stores into: created (unless `ifMissing` and it exists), then
 * prepared for FerretDB's queries (see FERRETDB_ID_INDEX).
 */
export function createPostgresDatabase(name: string, ifMissing = false): void {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  let exists = false;
  if (ifMissing) {
    const out = execFileSync('psql', [
      postgresAdminUrl(),
      '-tA',
      '-c',
      `SELECT 1 FROM pg_database WHERE datname='${name}'`,
    ]);
    exists = out.toString().trim() === '1';
  }
  if (!exists) psql(`CREATE DATABASE ${name}`);
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  execFileSync('psql', [url.toString(), '-v', 'ON_ERROR_STOP=1', '-q', '-c', FERRETDB_ID_INDEX], {
    stdio: 'pipe',
  });
  psql(`ALTER DATABASE ${name} SET plan_cache_mode = force_custom_plan`);
}

/**
 * Fields besides `_id` that hot queries filter on by equality, per collection: a broadcast's
 * recipients (`broadcastId`: its chunk reads, counts and sweeps), a status found by its provider
 * id, and a broadcast's send journal (by broadcast, and by journal batch). Without an index FerretDB reads every record of the collection for them.
 */
const FERRETDB_GIN_FIELDS: [collection: string, field: string][] = [
  ['whatsapp_message_histories', 'broadcastId'],
  ['whatsapp_message_histories', 'providerMessageId'],
  ['whatsapp_broadcast_send_journal', 'broadcastId'],
  ['whatsapp_broadcast_send_journal', 'foldBatch'],
];

/**
 * FerretDB 1.24 pushes an equality on a field (`_id` too: every find, update and delete by id) down
 * to PostgreSQL as `_jsonb->$1 @> $2`: jsonb containment, which the btree indexes it keeps on
 * `_jsonb->'field'` cannot serve, and through a cached prepared statement whose generic plan cannot
 * see the key. Every read or write by id was a scan of its whole collection (measured: 6.5 ms per
 * find+update at 1,000 documents, 27–50 ms at 20,000). So every table FerretDB creates gets a GIN
 * index on `_jsonb->'_id'` (and on the FERRETDB_GIN_FIELDS of its collection) by an event trigger,
 * tables already there get them now, and the database plans each statement with its parameters
 * (plan_cache_mode, set with the database): 8.6 ms at 20,000, flat. MongoDB itself needs none of
 * this; only the FerretDB stand-in is prepared so.
 */
const FERRETDB_ID_INDEX = `
CREATE OR REPLACE FUNCTION dw_ferretdb_gin(rel regclass, field text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE name text := 'dw_gin_' || rel::oid || '_' || lower(field);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = name) THEN
    EXECUTE format('CREATE INDEX %I ON %s USING gin ((_jsonb->%L) jsonb_path_ops)', name, rel, field);
  END IF;
END $fn$;
CREATE OR REPLACE FUNCTION dw_ferretdb_id_index(rel regclass) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE f record;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rel AND attname = '_jsonb' AND NOT attisdropped) THEN
    PERFORM dw_ferretdb_gin(rel, '_id');
    FOR f IN SELECT field FROM (VALUES ${FERRETDB_GIN_FIELDS.map(([c, f]) => `('${c}', '${f}')`).join(', ')}) AS g(collection, field)
      WHERE (SELECT relname FROM pg_class WHERE oid = rel) LIKE replace(collection, '_', '\\_') || '\\_%' LOOP
      PERFORM dw_ferretdb_gin(rel, f.field);
    END LOOP;
  END IF;
END $fn$;
CREATE OR REPLACE FUNCTION dw_ferretdb_on_create_table() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
    PERFORM dw_ferretdb_id_index(r.objid::regclass);
  END LOOP;
END $fn$;
DROP EVENT TRIGGER IF EXISTS dw_ferretdb_id_index;
CREATE EVENT TRIGGER dw_ferretdb_id_index ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION dw_ferretdb_on_create_table();
SELECT dw_ferretdb_id_index(c.oid::regclass) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema');
`;

export function dropPostgresDatabase(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface TemporalDevServerOptions {
  port: number;
  uiPort?: number; // omitted → headless
  /** Its Prometheus port; omitted → one the server picks at random (which can take a port another process was given). */
  metricsPort?: number;
  dbFile?: string; // omitted → in memory
  logLevel?: string;
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** Extra `--dynamic-config-value KEY=VALUE` settings (e.g. a low continue-as-new threshold for a test). */
  dynamicConfig?: string[];
  /** The Web UI's remote codec (issue 15): the API's /codec endpoint, so the UI shows sealed payloads. */
  uiCodecEndpoint?: string;
}

export function temporalDevServerArgs(opts: TemporalDevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port)];
  args.push('--log-level', opts.logLevel ?? 'warn', '--log-format', 'pretty');
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.metricsPort) args.push('--metrics-port', String(opts.metricsPort));
  if (opts.uiPort && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  if (opts.dbFile) {
    // WAL + synchronous=normal: 34 workflows/s against 14 with the defaults on this machine kind.
    args.push(
      '--db-filename',
      opts.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
    );
  }
  // Eager activity dispatch: an activity scheduled by a workflow task goes straight back to the worker
  // that completed it, skipping a matching round trip (off by default in server 1.29).
  for (const dc of [
    'frontend.enableUpdateWorkflowExecution=true',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    'system.enableActivityEagerExecution=true',
    // The CLI turns this on (the server's own default is off, "not in production"): every search
    // attribute check re-read the cluster's metadata — on every start and upsert. Ours are
    // registered with the server's start (--search-attribute), so the cached list is current.
    'system.forceSearchAttributesCacheRefreshOnRead=false',
    ...(opts.dynamicConfig ?? []),
  ]) {
    args.push('--dynamic-config-value', dc);
  }
  return [...args, ...searchAttributeCliFlags()];
}

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<Started> {
  const child = spawn(toolPath('temporal'), temporalDevServerArgs(opts), { stdio: opts.stdio ?? 'inherit' });
  await waitForPort('127.0.0.1', opts.port, 60_000, child);
  return { child, stop: () => stopChild(child) };
}

export interface FerretDbOptions {
  port: number;
  database: string; // PostgreSQL database FerretDB stores into
  logLevel?: string;
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** FerretDB's PostgreSQL pool size (pool_max_conns); absent = DW_FERRETDB_POOL_MAX_CONNS, else FerretDB's 50. */
  poolMaxConns?: number;
}

export async function startFerretDb(opts: FerretDbOptions): Promise<Started> {
  const pgUrl = new URL(postgresAdminUrl());
  pgUrl.pathname = `/${opts.database}`;
  // FerretDB's PostgreSQL pool (its default: 50). One of its operations can hold two connections
  // (a query's and an update's): under a burst that fills the pool it can wedge, so a benchmark
  // driving a few hundred writes per second asks for more (DW_FERRETDB_POOL_MAX_CONNS).
  const poolMax = opts.poolMaxConns ?? Number(process.env.DW_FERRETDB_POOL_MAX_CONNS ?? 0);
  if (poolMax > 0) pgUrl.searchParams.set('pool_max_conns', String(poolMax));
  const child = spawn(
    toolPath('ferretdb'),
    [
      '--listen-addr',
      `127.0.0.1:${opts.port}`,
      '--postgresql-url',
      pgUrl.toString(),
      '--log-level',
      opts.logLevel ?? 'warn',
    ],
    { stdio: opts.stdio ?? 'inherit' },
  );
  await waitForPort('127.0.0.1', opts.port, 30_000, child);
  return { child, stop: () => stopChild(child) };
}
