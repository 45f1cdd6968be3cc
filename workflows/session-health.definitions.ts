/** Input of the session health sweep, set by the schedule (workers/schedules.ts) from config. */
export interface SessionHealthInput {
  /** Sessions per check activity. */
  batchSize: number;
  /** Upper bound of pages per sweep (a runaway guard: batchSize × maxBatches sessions at most). */
  maxBatches: number;
  /** A session waiting for its scan longer than this (SESSION_QR_EXPIRY_MS) is closed. */
  qrExpiryMs: number;
  /** startToClose of one batch: its gateway calls, run a few at a time, plus restarts. */
  batchTimeoutMs: number;
  /** SESSION_HEALTH_AUTO_RESTART: restart a dropped session (new QR) once it is recorded disconnected. */
  autoRestart: boolean;
  /** Sweeps older than this are pruned from MongoDB. */
  keepMs: number;
}
