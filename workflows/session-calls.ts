import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SessionError, SessionTiming } from './session.definitions';

/**
 * The session workflow's activities, one stub per kind of call: each kind has its own timeout and
 * retry policy, and the policies are part of what running workflows were started with.
 */
export interface SessionCalls {
  /** Projection writes and the final removal. */
  store: Activities;
  /** Polls are repeated by the loop anyway: fail fast so expiry and commands are never held up by a dead gateway. */
  poll: Activities;
  /** Deleting the session on the gateway. */
  gateway: Activities;
  /** Creating the session on the gateway, retried with the backoff the timing gives. */
  create: Activities;
}

export function sessionCalls(timing: SessionTiming): SessionCalls {
  return {
    store: proxyActivities<Activities>({
      startToCloseTimeout: '30s',
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
    }),
    poll: proxyActivities<Activities>({
      startToCloseTimeout: timing.callTimeoutMs,
      retry: { initialInterval: '200ms', maximumAttempts: 2 },
    }),
    gateway: proxyActivities<Activities>({
      startToCloseTimeout: timing.callTimeoutMs,
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
    }),
    create: proxyActivities<Activities>({
      startToCloseTimeout: timing.callTimeoutMs,
      retry: {
        initialInterval: timing.createInitialIntervalMs,
        backoffCoefficient: 2,
        maximumInterval: Math.max(timing.createInitialIntervalMs, 60_000),
        maximumAttempts: timing.createMaxAttempts,
      },
    }),
  };
}

/** Failure types from activities/to-failure.ts (FailureTypes), as the cause the failed state names. */
export function createFailure(err: unknown, attempts: number): SessionError {
  const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : null;
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  switch (cause?.type) {
    case 'ProviderAuth':
      return { code: 'gateway_auth_failed', message: `The gateway refused our credentials: ${why}` };
    case 'ProviderInvalidRequest':
    case 'ProviderPermanent':
      return { code: 'gateway_rejected', message: `The gateway rejected the session: ${why}` };
    default:
      return {
        code: 'gateway_unavailable',
        message: `The gateway could not be reached after ${attempts} attempts: ${why}`,
      };
  }
}
