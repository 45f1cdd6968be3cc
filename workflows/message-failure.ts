import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { ProviderFailureDetails } from '../activities/to-failure';

/** Failure types after which a later round may succeed: the message waits and tries again. */
export const ROUND_RETRY_TYPES = new Set(['ProviderTransient', 'ProviderRateLimited']);
/** Failure types a `POST …/retry` may try again (besides an expired validity). */
export const RETRYABLE_TYPES = new Set([...ROUND_RETRY_TYPES, 'SendFailed', 'unknown']);

/** A send round's failure as the workflow reads it: the provider's error type, code and wait. */
export interface RoundFailure {
  type: string;
  code: string | null;
  message: string;
  retryAfterMs?: number;
}

/** What a failed send activity says: its ApplicationFailure's type and the provider's details. */
export function failureOf(err: unknown): RoundFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as ProviderFailureDetails | undefined;
    const nextDelay = cause.nextRetryDelay;
    return {
      type: cause.type ?? 'unknown',
      code: d?.code ?? null,
      message: d?.details ? `${cause.message}: ${d.details}` : cause.message,
      retryAfterMs: typeof nextDelay === 'number' ? nextDelay : undefined,
    };
  }
  return { type: 'unknown', code: null, message: cause instanceof Error ? cause.message : String(cause) };
}
