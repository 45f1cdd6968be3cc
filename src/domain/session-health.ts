import type { SessionStatus } from './session-status';

/**
 * Session health sweep vocabulary, shared by the sweep workflow, its activities, the repository
 * and `GET /v1/health/sessions`.
 *
 * healthy    — recorded connected and the gateway agrees;
 * drifted    — recorded connected but the gateway dropped it (or no longer knows it): the session
 *              workflow is signalled and records `disconnected`;
 * qr_expired — stuck waiting for a QR scan longer than the expiry: closed;
 * failed     — the check itself failed (gateway down, timeout); the sweep goes on.
 */
export type HealthOutcome = 'healthy' | 'drifted' | 'qr_expired' | 'failed';

/** A session the sweep looks at (from the projection). */
export interface HealthCandidate {
  /** Projection key, the page cursor. */
  key: string;
  tenantId: string;
  sessionId: string;
  status: SessionStatus;
}

export interface SessionHealthOutcome {
  tenantId: string;
  sessionId: string;
  outcome: HealthOutcome;
  recordedStatus: SessionStatus;
  gatewayStatus: string | null;
  /** signalled | restarted | closed | recorded | none */
  action: string;
  error: string | null;
  checkedAt: string;
}

export interface HealthCounts {
  checked: number;
  healthy: number;
  drifted: number;
  failed: number;
}

export interface SessionHealthSummary extends HealthCounts {
  sweepId: string;
  startedAt: string;
  finishedAt: string;
}

export const emptyCounts = (): HealthCounts => ({ checked: 0, healthy: 0, drifted: 0, failed: 0 });

/** Stuck-QR closes count as drift: the session was not where it should be. */
export function countOutcomes(outcomes: ReadonlyArray<{ outcome: HealthOutcome }>): HealthCounts {
  const c = emptyCounts();
  for (const o of outcomes) {
    c.checked += 1;
    if (o.outcome === 'healthy') c.healthy += 1;
    else if (o.outcome === 'failed') c.failed += 1;
    else c.drifted += 1;
  }
  return c;
}
