import { ApplicationFailure } from '@temporalio/common';
import { ProviderError } from '../src/providers/errors';

/** Failure types workflows and retry policies match on (explicit strings, never class names). */
export const FailureTypes = {
  transient: 'ProviderTransient',
  rate_limited: 'ProviderRateLimited',
  auth: 'ProviderAuth',
  invalid_request: 'ProviderInvalidRequest',
  permanent: 'ProviderPermanent',
} as const;

/** Failures that are not the provider's: our own infrastructure, or something unclassified. */
export const OwnFailureTypes = {
  /** Our database (or another dependency of ours) is unreachable: retried for ever, never a provider attempt. */
  dependency: 'DependencyUnavailable',
  /** The database refused a write that retrying cannot fix (e.g. a document it cannot store). */
  storageRejected: 'StorageRejected',
  /** An error that is neither a provider's nor an outage, after the round's attempts: fails the message, retryable. */
  sendFailed: 'SendFailed',
} as const;

export interface ProviderFailureDetails {
  provider: string;
  kind: ProviderError['kind'];
  code?: string;
  httpStatus?: number;
  details?: string;
  /** For rate limits: the provider's wait (also set when the failure ends a send round). */
  retryAfterMs?: number;
}

/**
 * The activity boundary: a ProviderError becomes an ApplicationFailure with an explicit type.
 * transient → retried with the policy's backoff; rate_limited → retried after the provider's wait
 * (nextRetryDelay); auth / invalid_request / permanent → not retried. Other errors pass through
 * unchanged (retried as unknown failures).
 */
export function toActivityFailure(err: unknown, opts: { endRound?: boolean } = {}): unknown {
  if (!(err instanceof ProviderError)) return err;
  const details: ProviderFailureDetails = {
    provider: err.provider,
    kind: err.kind,
    code: err.code,
    httpStatus: err.httpStatus,
    details: err.details,
    retryAfterMs: err.retryAfterMs,
  };
  return ApplicationFailure.create({
    message: err.message,
    type: FailureTypes[err.kind],
    // endRound: a retryable provider failure that ends a send round (the workflow waits and asks
    // for a new permit), so it is not retried by the activity's own policy.
    nonRetryable: !err.retryable || opts.endRound === true,
    nextRetryDelay:
      err.kind === 'rate_limited' && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
    details: [details],
  });
}

/** Runs an adapter call and converts its ProviderError at the boundary. */
export async function atBoundary<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
