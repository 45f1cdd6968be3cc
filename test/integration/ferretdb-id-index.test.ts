import { execFileSync } from 'node:child_process';
import type { Connection } from 'mongoose';
import { createPostgresDatabase, postgresAdminUrl } from '../../scripts/lib/infra';
import { connectMongo } from '../../src/db/connection';
import { startOwnFerretDb, type OwnFerretDb } from '../fixtures/own-servers';

/**
 * The FerretDB stand-in's database is prepared so that a find or update by `_id` is an index lookup,
 * not a scan of the collection (scripts/lib/infra.ts, FERRETDB_ID_INDEX): every table FerretDB
 * creates gets a GIN index on `_jsonb->'_id'`, tables already there get it when the database is
 * prepared again, and statements are planned with their parameters.
 */
describe('FerretDB database preparation (a FerretDB of its own)', () => {
  let ferret: OwnFerretDb;
  let conn: Connection;
  const sql = (q: string) => {
    const url = new URL(postgresAdminUrl());
    url.pathname = `/${ferret.pgDatabase}`;
    return execFileSync('psql', [url.toString(), '-AtX', '-c', q]).toString().trim();
  };
  const tableOf = (collection: string) =>
    sql(
      `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE tablename LIKE '${collection}%'`,
    );

  beforeAll(async () => {
    ferret = await startOwnFerretDb('idx');
    conn = await connectMongo(ferret.uri('idx'), { maxPoolSize: 2 });
  });

  afterAll(async () => {
    await conn?.close();
    await ferret?.close();
  });

  it('a collection FerretDB creates gets the _id index, and a lookup by _id uses it', async () => {
    const things = conn.db!.collection<{ _id: string; n: number }>('things');
    await things.insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: `t:msg_${n}`, n })));
    const table = tableOf('things');
    expect(table).not.toBe('');
    const indexes = sql(`SELECT indexdef FROM pg_indexes WHERE tablename = '${table.split('.')[1]}'`);
    expect(indexes).toMatch(/USING gin \(\(\(_jsonb -> '_id'::text\)\) jsonb_path_ops\)/);
    // FerretDB's own form of the lookup (its pushdown of `_id` equality), with the parameter values:
    // the index can serve it (on 500 small rows the planner would rather scan, so scans are off here).
    sql(`ANALYZE ${table}`);
    const plan = sql(
      `SET plan_cache_mode = force_custom_plan; SET enable_seqscan = off; PREPARE q(text, jsonb) AS SELECT _jsonb FROM ${table} WHERE _jsonb->$1 @> $2; EXPLAIN EXECUTE q('_id', '"t:msg_7"')`,
    );
    expect(plan).toMatch(/Bitmap Index Scan on dw_gin_\d+__id/);
    expect(await things.findOne({ _id: 't:msg_7' })).toEqual({ _id: 't:msg_7', n: 7 });
  });

  it("a broadcast's recipients and a provider id are found by index in the message records", async () => {
    await conn
      .db!.collection('whatsapp_message_histories')
      .insertOne({ _id: 't:msg_1', broadcastId: 'bc_1' } as never);
    const table = tableOf('whatsapp_message_histories');
    const indexes = sql(`SELECT indexdef FROM pg_indexes WHERE tablename = '${table.split('.')[1]}'`);
    expect(indexes).toMatch(/USING gin \(\(\(_jsonb -> 'broadcastId'::text\)\) jsonb_path_ops\)/);
    expect(indexes).toMatch(/USING gin \(\(\(_jsonb -> 'providerMessageId'::text\)\) jsonb_path_ops\)/);
    // Only there: another collection gets the _id index alone.
    expect(
      sql(
        `SELECT count(*) FROM pg_indexes WHERE tablename = '${tableOf('things').split('.')[1]}' AND indexdef LIKE '%broadcastId%'`,
      ),
    ).toBe('0');
  });

  it('the database plans each statement with its parameters', () => {
    expect(sql('SHOW plan_cache_mode')).toBe('force_custom_plan');
  });

  it('tables already there get the index when the database is prepared again', async () => {
    const table = tableOf('things');
    const name = sql(
      `SELECT indexname FROM pg_indexes WHERE indexname LIKE 'dw_gin_%__id' AND tablename = '${table.split('.')[1]}'`,
    );
    sql(`DROP INDEX "${table.split('.')[0]}"."${name}"`);
    createPostgresDatabase(ferret.pgDatabase, true);
    expect(sql(`SELECT count(*) FROM pg_indexes WHERE indexname = '${name}'`)).toBe('1');
    expect(await conn.db!.collection('things').countDocuments()).toBe(500);
  });
});
