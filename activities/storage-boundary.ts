import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isStorageUnavailable } from '../src/db/storage-errors';
import { ProviderError } from '../src/providers/errors';
import { OwnFailureTypes } from './to-failure';

/** Attempts after which a write the database refuses (not an outage) is given up as StorageRejected. */
export const STORAGE_REJECTED_AFTER_ATTEMPTS = 3;

export interface StorageCall {
  /** The activity's name, for the log line and the metric. */
  activity: string;
  /** What the write is about, e.g. `message <tenant>:<id>`: named in the log line. */
  subject: string;
  /** Counts a rejection (a metric), once, when it is given up. */
  onRejected?: () => void;
  /** Counts an attempt that met the database unavailable (a metric). */
  onUnavailable?: () => void;
}

/**
 * The database boundary of an activity that writes. An outage of our own database is never the
 * message's fault: it becomes a retryable DependencyUnavailable, retried for ever by the caller's
 * policy (it delays work, it never fails it). Any other error is the database refusing this write:
 * retried a few times (it may be a passing conflict), then given up as a non-retryable
 * StorageRejected, with a log line naming the subject and a metric, so poison input never retries
 * for ever.
 */
export async function atStorageBoundary<T>(call: StorageCall, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (isStorageUnavailable(err)) {
      call.onUnavailable?.();
      throw ApplicationFailure.create({
        type: OwnFailureTypes.dependency,
        message: `database unavailable: ${message}`,
      });
    }
    if (Context.current().info.attempt < STORAGE_REJECTED_AFTER_ATTEMPTS) throw err;
    log.error('database refused a write; giving up', {
      activity: call.activity,
      subject: call.subject,
      error: message,
    });
    call.onRejected?.();
    throw ApplicationFailure.create({
      type: OwnFailureTypes.storageRejected,
      message: `${call.activity}: the database refused the write: ${message}`,
      nonRetryable: true,
    });
  }
}

/**
 * Runs `fn` (which reads from our database before it calls a provider) and, while the database is
 * unreachable, waits for it inside this attempt (heartbeating, cancellable) instead of failing:
 * no provider attempt is used up and no history is written. Once a third of the attempt's
 * start-to-close is used, it hands over to the next attempt as a retryable DependencyUnavailable,
 * which starts with the whole timeout again.
 */
export async function waitingOutStorage<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 2_000)) {
    try {
      return await fn();
    } catch (err) {
      // A provider's network error (its message may say ECONNREFUSED too) is the provider's, not ours.
      if (err instanceof ProviderError || !isStorageUnavailable(err)) throw err;
      // Retry within this attempt only while most of it is left: a read that succeeds late must
      // still leave the provider call its whole timeout, or the server could time the attempt out
      // while the provider has the message, and the next attempt would send it again.
      const left = ctx.info.startToCloseTimeoutMs - (Date.now() - started);
      if (left - delayMs < (ctx.info.startToCloseTimeoutMs * 2) / 3)
        throw ApplicationFailure.create({
          type: OwnFailureTypes.dependency,
          message: `database unavailable: ${err instanceof Error ? err.message : String(err)}`,
          nextRetryDelay: 1_000,
        });
      ctx.heartbeat();
      await ctx.sleep(delayMs);
    }
  }
}
