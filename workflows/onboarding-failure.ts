import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TimeoutFailure,
  isCancellation,
} from '@temporalio/workflow';
import type { OfficialProvider } from '../src/providers/official-providers';
import type { OnboardingFailure } from '../src/domain/onboarding';
import { codesOf } from './onboarding.definitions';

const appOf = (f: unknown): ApplicationFailure | null =>
  f instanceof ApplicationFailure
    ? f
    : f instanceof TimeoutFailure && f.cause instanceof ApplicationFailure
      ? f.cause
      : null;

/** A step that ran out of time without the last attempt's failure attached (its error is in the projection). */
export function timedOutWithoutCause(err: unknown): boolean {
  const outer = err instanceof ActivityFailure ? err.cause : err;
  return outer instanceof TimeoutFailure && !appOf(outer);
}

/**
 * A step's error as the onboarding's failure: the step, our code, the provider's message and
 * code. Activity failures carry the boundary's typed ApplicationFailure (activities/to-failure.ts
 * and OnboardingFailureTypes); a step that ran out of time carries its last attempt's failure.
 */
export function failureOf(step: string, provider: OfficialProvider, err: unknown): OnboardingFailure {
  const outer = err instanceof ActivityFailure ? err.cause : err;
  const app = appOf(outer);
  const codes = codesOf(app?.type ?? undefined, app?.details?.[0] as { code?: string } | undefined);
  let code = codes.code;
  let message = app?.message ?? (err instanceof Error ? err.message : String(err));
  // Out of time: the timeout itself, or the last failure ended by it (retryState TIMEOUT, e.g. scheduleToClose).
  const outOfTime =
    outer instanceof TimeoutFailure || (err instanceof ActivityFailure && err.retryState === 'TIMEOUT');
  if (outOfTime) {
    code = step === 'exchange_code' ? 'code_expired' : 'step_timeout';
    message =
      step === 'exchange_code'
        ? `The signup code could not be exchanged while it was valid${app ? `: ${app.message}` : ''}`
        : `The step ran out of time${app ? `: ${app.message}` : ''}`;
  } else if (outer instanceof CancelledFailure || isCancellation(err)) {
    code = 'cancelled';
    message = 'The onboarding was cancelled';
  }
  return {
    step,
    code,
    message,
    provider,
    ...(codes.providerCode ? { providerCode: codes.providerCode } : {}),
  };
}
