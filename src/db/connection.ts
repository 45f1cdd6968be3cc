import mongoose, { type Connection } from 'mongoose';

/**
 * One connection per process, created by the composition root and handed down (no global
 * mongoose singleton). Keep the pool small: FerretDB wedged at 50 concurrent operations.
 * The code sticks to what MongoDB and FerretDB 1.24 both support: no transactions, no TTL or
 * partial indexes, aggregation limited to $match/$sort/$skip/$limit/$project/$count/$group+$sum.
 */
/**
 * How long an operation waits for an unreachable database before it fails (and the API answers
 * 503): the driver's server selection and mongoose's queue while disconnected. A restart of the
 * database shorter than this is ridden through; a longer outage is answered within seconds.
 */
export const MONGO_UNAVAILABLE_WAIT_MS = 3_000;

export async function connectMongo(uri: string, opts: { maxPoolSize: number }): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    maxPoolSize: opts.maxPoolSize,
    serverSelectionTimeoutMS: MONGO_UNAVAILABLE_WAIT_MS,
    autoIndex: true,
  });
  conn.set('bufferTimeoutMS', MONGO_UNAVAILABLE_WAIT_MS);
  await conn.asPromise();
  return conn;
}

export async function pingMongo(conn: Connection): Promise<void> {
  const db = conn.db;
  if (!db) throw new Error('MongoDB connection is not open');
  await db.admin().ping();
}

/** Mongo duplicate-key error (also what FerretDB returns for a unique index violation). */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * An unordered bulk insert's error whose only failures are duplicate keys (documents already there):
 * how many; null for any other error.
 */
export function duplicateKeysOnly(err: unknown): number | null {
  type WriteError = { code?: number; err?: { code?: number } };
  const raw = (err as { writeErrors?: WriteError | WriteError[] } | null)?.writeErrors;
  // The driver gives one error as itself, several as an array.
  const errors = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return errors.length > 0 && errors.every((e) => (e.code ?? e.err?.code) === 11000) ? errors.length : null;
}

/**
 * Inserts documents, unordered, with `insertMany`; one whose `_id` is taken (a retried write, a
 * duplicate delivery) is left as it is. Answers how many this call inserted. No read first:
 * FerretDB runs `_id: {$in}` as a scan.
 */
export async function insertMissing<T>(
  docs: T[],
  insertMany: (docs: T[]) => Promise<unknown>,
): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    await insertMany(docs);
    return docs.length;
  } catch (err) {
    const duplicates = duplicateKeysOnly(err);
    if (duplicates === null) throw err;
    return docs.length - duplicates;
  }
}
