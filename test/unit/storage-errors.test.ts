import mongoose from 'mongoose';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';
import { ApplicationFailure } from '@temporalio/common';
import { isStorageUnavailable } from '../../src/db/storage-errors';
import { freePort } from '../../scripts/lib/infra';

/** A server answer as the driver builds it from the reply document (codes and wording measured on FerretDB 1.24). */
const serverError = (code: number, errmsg: string) => new MongoServerError({ ok: 0, code, errmsg });

describe('isStorageUnavailable: the database is away (retry) or it refused the request (set aside)', () => {
  it('a real driver error against a port nobody listens on is unavailability', async () => {
    const port = await freePort();
    const conn = mongoose.createConnection(`mongodb://127.0.0.1:${port}/x`, {
      serverSelectionTimeoutMS: 200,
    });
    const err = await conn.asPromise().catch((e: unknown) => e);
    await conn.close().catch(() => undefined);
    // mongoose wraps the driver's MongoServerSelectionError in one of its own name.
    expect((err as Error).name).toBe('MongooseServerSelectionError');
    expect(isStorageUnavailable(err)).toBe(true);
    // The driver's own error, without mongoose.
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/x`, { serverSelectionTimeoutMS: 200 });
    const raw = await client.connect().catch((e: unknown) => e);
    await client.close();
    expect(raw).toBeInstanceOf(MongoServerSelectionError);
    expect(isStorageUnavailable(raw)).toBe(true);
  });

  it('a bulk write stopped by the server going away (the error kept in its errorResponse) is unavailability; one with write errors is not', async () => {
    // What insertMany on a connected client threw when FerretDB was killed mid-broadcast: the
    // driver wraps the server selection that failed in a MongoBulkWriteError, not in its cause.
    const port = await freePort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/x`, { serverSelectionTimeoutMS: 200 });
    const selection = await client.connect().catch((e: unknown) => e);
    await client.close();
    expect(selection).toBeInstanceOf(MongoServerSelectionError);
    const stopped = new MongoBulkWriteError(selection as MongoServerSelectionError, {} as never);
    expect(isStorageUnavailable(stopped)).toBe(true);
    const duplicate = new MongoBulkWriteError(
      { message: 'E11000 duplicate key', code: 11000, writeErrors: [] } as never,
      {} as never,
    );
    expect(isStorageUnavailable(duplicate)).toBe(false);
  });

  it("mongoose's buffering timeout (no connection while the operation waited) is unavailability", async () => {
    // A connection that was never opened: mongoose buffers the operation, then gives up.
    const conn = mongoose.createConnection();
    const schema = new mongoose.Schema({ _id: String, b: Number }, { bufferTimeoutMS: 100 });
    const Thing = conn.model('Thing', schema, 'things');
    const err = await Thing.updateOne({ _id: 'a' }, { $set: { b: 1 } }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/buffering timed out/);
    expect(isStorageUnavailable(err)).toBe(true);
  });

  it('network errors, their codes, labels and causes', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), {
      code: 'ECONNREFUSED',
    });
    const network = new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017', { cause: refused });
    expect(isStorageUnavailable(network)).toBe(true);
    expect(isStorageUnavailable(refused)).toBe(true);
    expect(isStorageUnavailable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    // Wrapped by our own code: the cause is followed.
    expect(isStorageUnavailable(new Error('store failed', { cause: network }))).toBe(true);
    // Not primary, shutting down, stepped down: the retryable server codes.
    for (const code of [91, 189, 10107, 11600, 13435])
      expect(isStorageUnavailable(serverError(code, 'x'))).toBe(true);
    // By name only, as a failure that crossed Temporal's activity boundary carries it.
    expect(isStorageUnavailable(ApplicationFailure.create({ type: 'MongoNetworkError', message: 'x' }))).toBe(
      true,
    );
  });

  it('FerretDB with its PostgreSQL unreachable (InternalError 1, measured wording) is unavailability', () => {
    const measured =
      '[msg_update.go:96 handler.(*Handler).updateDocument] [database.go:99 postgresql.(*database).CreateCollection] ' +
      '[registry.go:137 metadata.(*Registry).getPool] [pool.go:129 pool.(*Pool).Get] [opendb.go:110 pool.checkConnection] ' +
      'failed to connect to `user=postgres database=dw`: 127.0.0.1:5432 (127.0.0.1): dial error: dial tcp 127.0.0.1:5432: connect: connection refused';
    expect(isStorageUnavailable(serverError(1, measured))).toBe(true);
    expect(
      isStorageUnavailable(serverError(1, 'FATAL: the database system is starting up (SQLSTATE 57P03)')),
    ).toBe(true);
    expect(
      isStorageUnavailable(
        serverError(1, 'FATAL: terminating connection due to administrator command (SQLSTATE 57P01)'),
      ),
    ).toBe(true);
  });

  it('refusals are not unavailability: NUL, $ and dotted keys, infinity, nested arrays, duplicates, casts', () => {
    const refusals = [
      // Measured on FerretDB 1.24 (PostgreSQL cannot hold U+0000 in jsonb).
      serverError(1, '[msg_update.go:133 …] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)'),
      serverError(2, 'invalid key: "$where" (key must not start with \'$\' sign)'),
      serverError(2, 'invalid key: "a.b" (key must not contain \'.\' sign)'),
      serverError(2, 'invalid value: { "n": +Inf } (infinity values are not allowed)'),
      serverError(2, 'invalid value: { "d": [ [ 1 ] ] } (nested arrays are not supported)'),
      serverError(11000, 'E11000 duplicate key error'),
      Object.assign(new Error('key a\u0000 must not contain null bytes'), { name: 'BSONError' }),
      new mongoose.Error.CastError('String', { a: 1 }, 'fromName'),
      new TypeError('x is undefined'),
      'a string',
      null,
      undefined,
    ];
    for (const err of refusals)
      expect({ err: String(err), unavailable: isStorageUnavailable(err) }).toEqual({
        err: String(err),
        unavailable: false,
      });
  });

  it('a document cannot make its refusal look like an outage by quoting outage words', () => {
    // Server messages other than FerretDB's InternalError may quote the document: they are not read.
    expect(
      isStorageUnavailable(
        serverError(11000, 'E11000 dup key: { _id: "failed to connect to ECONNREFUSED" }'),
      ),
    ).toBe(false);
    expect(isStorageUnavailable(serverError(2, 'invalid key: "connection refused" (SQLSTATE 08006)'))).toBe(
      false,
    );
    expect(isStorageUnavailable(new Error('ECONNREFUSED buffering timed out'))).toBe(false);
  });

  it('a cause cycle ends the walk', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isStorageUnavailable(a)).toBe(false);
  });
});
