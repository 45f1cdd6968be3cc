/**
 * One question about an error from MongoDB (or FerretDB in front of PostgreSQL): is the database
 * unreachable or busy — wait and retry, it heals when the database is back — or did it answer and
 * refuse what we asked — retrying the same write gives the same answer?
 *
 * Our own outage must delay work, never fail it (DESIGN "Failure model"); a refused document is
 * poison to be set aside after a few attempts. Anything not recognised as unavailability counts as
 * a refusal, so a new kind of refusal cannot make a workflow retry for ever; a new kind of outage
 * would be set aside too early, so add its signature here when one is measured. One refusal looks
 * like an outage and cannot be told apart here: FerretDB drops the connection on a NaN (measured),
 * so NaN must never reach it (src/domain/storable.ts turns it into a string first).
 *
 * Errors are recognised by name, code, label and message (never by `instanceof`), so the check
 * also holds across copies of the driver and for a failure that crossed Temporal's activity
 * boundary (an ApplicationFailure whose `type` is the original error's name). Causes are followed.
 */

/** Driver errors that mean no answer came from the server (names as the driver sets them). */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  // mongoose's own wrapping of the above when a connection cannot be opened.
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoClientClosedError',
  'MongoPoolClosedError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);

/**
 * Server codes of a node that is down, stepping down or out of time (the driver's retryable set:
 * HostUnreachable, HostNotFound, MaxTimeMSExpired, NetworkTimeout, ShutdownInProgress, …).
 */
const UNAVAILABLE_CODES = new Set([
  6, 7, 50, 89, 91, 133, 134, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436,
]);

/** Node's socket and DNS errors. */
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Labels the driver or a server puts on errors worth retrying because of the connection. */
const UNAVAILABLE_LABELS = new Set(['ResetPool', 'PoolRequestedRetry', 'SystemOverloadedError']);

/**
 * FerretDB answers InternalError (code 1) both when its PostgreSQL cannot be reached and when
 * PostgreSQL refuses a value (a NUL character: `unsupported Unicode escape sequence`, SQLSTATE
 * 22P05): only its wording tells them apart. Measured on FerretDB 1.24 with PostgreSQL stopped:
 * `… pool.checkConnection] failed to connect to \`user=postgres database=…\`: … connect: connection
 * refused`. The rest is pgx and PostgreSQL wording for a server going away or starting (SQLSTATE
 * class 08 connection exception, 57P01–57P03 shutdown / cannot connect now, 53300 too many
 * connections, 40001/40P01 serialization failure and deadlock, which a retry resolves).
 * Only code-1 messages are read this way: other server messages may quote the document, and a
 * document must not be able to make itself look like an outage.
 */
const FERRETDB_UNAVAILABLE = [
  /failed to connect to/i,
  /pool\.checkConnection/,
  /\bdial(?:ing)? (?:tcp|unix|error)/i,
  /connection refused|connection reset by peer|broken pipe/i,
  /server closed the connection unexpectedly|\bconn closed\b|unexpected EOF/i,
  /the database system is (?:starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /terminating connection due to administrator command/i,
  /i\/o timeout|context deadline exceeded/i,
  /SQLSTATE (?:08[0-9A-Z]{3}|57P0[123]|53300|40001|40P01)\b/,
];

/** mongoose queues operations while it has no connection and gives up with this message. */
const MONGOOSE_BUFFERING = /buffering timed out/i;

interface ErrorLike {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  /** A bulk write's error (MongoBulkWriteError) keeps the error that stopped it here, not in `cause`. */
  errorResponse?: unknown;
  errorLabels?: unknown;
  errorLabelSet?: unknown;
}

function labelsOf(e: ErrorLike): string[] {
  if (Array.isArray(e.errorLabels)) return e.errorLabels.filter((l): l is string => typeof l === 'string');
  if (e.errorLabelSet instanceof Set) return [...(e.errorLabelSet as Set<unknown>)].map(String);
  return [];
}

function saysUnavailable(e: ErrorLike): boolean {
  for (const name of [e.name, e.type])
    if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (typeof e.code === 'string' && UNAVAILABLE_SYSCALL_CODES.has(e.code)) return true;
  if (labelsOf(e).some((l) => UNAVAILABLE_LABELS.has(l))) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.code === 1) return FERRETDB_UNAVAILABLE.some((re) => re.test(message));
  return e.name === 'MongooseError' && MONGOOSE_BUFFERING.test(message);
}

/**
 * True when `err` (or one of its causes) says the database could not be reached or could not
 * answer in time — retry, it heals. False for an answer that refused the request (a duplicate
 * key, a document the server cannot store, a mongoose validation error) and for anything else.
 */
export function isStorageUnavailable(err: unknown): boolean {
  // A bounded walk of causes and bulk-write responses: chains are short, and a cycle must not hang the caller.
  const todo: unknown[] = [err];
  for (let seen = 0; seen < 16 && todo.length > 0; seen++) {
    const e = todo.shift();
    if (e === null || typeof e !== 'object') continue;
    if (saysUnavailable(e as ErrorLike)) return true;
    todo.push((e as ErrorLike).cause, (e as ErrorLike).errorResponse);
  }
  return false;
}
