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

export interface ProviderFailureDetails {
  provider: string;
  kind: ProviderError['kind'];
  code?: string;
  httpStatus?: number;
  details?: string;
}

/**
 * The activity boundary: a ProviderError becomes an ApplicationFailure with an explicit type.
 * transient → retried with the policy's backoff; rate_limited → retried after the provider's wait
 * (nextRetryDelay); auth / invalid_request / permanent → not retried. Other errors pass through
 * unchanged (retried as unknown failures).
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  const details: ProviderFailureDetails = {
    provider: err.provider,
    kind: err.kind,
    code: err.code,
    httpStatus: err.httpStatus,
    details: err.details,
  };
  return ApplicationFailure.create({
    message: err.message,
    type: FailureTypes[err.kind],
    nonRetryable: !err.retryable,
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
