import type { GatewayEvent } from '../src/domain/gateway-event';
import { STATUS_RANK, type SessionStatus } from '../src/domain/session-status';
import {
  sessionView,
  type SessionError,
  type SessionState,
  type SessionView,
  type SessionWorkflowInput,
} from './session.definitions';

/**
 * The session workflow's pure state machine: how gateway observations (polls and events) change a
 * session's state. No Temporal APIs here, so it is unit-tested directly; times are passed in.
 */

/** A gateway observation in our vocabulary; `lost` means the gateway no longer holds the session. */
export interface Observation {
  status?: SessionStatus;
  qr?: string | null;
  lost?: SessionError;
  rawStatus?: string;
}

export function initialState(input: SessionWorkflowInput, nowMs: number): SessionState {
  return {
    phase: 'start',
    status: 'creating',
    qr: null,
    connectedAt: null,
    lastActivityAt: null,
    error: null,
    attempt: 1,
    // Projection writes are ordered by version; starting at the run's start time keeps a later run's writes newer.
    version: nowMs,
    gatewayCreated: false,
    attemptStartedAt: null,
    lastEventAt: null,
    pollDelayMs: input.timing.pollInitialMs,
    rawStatus: null,
  };
}

export function toView(s: SessionState, input: SessionWorkflowInput): SessionView {
  const { sessionId, name, gatewayKind } = input;
  return sessionView({ ...s, sessionId, name, gatewayKind });
}

/**
 * Applies a non-lost observation; true when the visible state changed. Within an attempt status
 * only moves forward (a late `generating_qr` after `connected` is stale), the same QR twice is no
 * change, and `connected` is entered once.
 */
export function applyObservation(s: SessionState, o: Observation, nowIso: string): boolean {
  if (o.rawStatus !== undefined) s.rawStatus = o.rawStatus;
  if (!o.status) return false;
  if (o.status === 'connected') {
    if (s.status === 'connected') return false;
    s.status = 'connected';
    s.phase = 'connected';
    s.qr = null;
    s.connectedAt = nowIso;
    s.lastActivityAt = nowIso;
    return true;
  }
  if (s.status === 'connected') return false;
  let changed = false;
  if (o.status !== 'disconnected' && STATUS_RANK[o.status] > STATUS_RANK[s.status]) {
    s.status = o.status;
    changed = true;
  }
  if (o.qr && o.qr !== s.qr) {
    s.qr = o.qr;
    s.status = 'generating_qr';
    changed = true;
  }
  if (changed) s.lastActivityAt = nowIso;
  return changed;
}

/**
 * A gateway event as an observation, or null when it must be ignored: older than the newest event
 * applied (out of order), or a logout from before this attempt's gateway session existed.
 */
export function observationFromEvent(s: SessionState, e: GatewayEvent): Observation | null {
  if (s.lastEventAt !== null && e.at < s.lastEventAt) return null;
  s.lastEventAt = e.at;
  if (e.kind === 'logged_out' || e.status === 'disconnected') {
    if (s.attemptStartedAt !== null && Date.parse(e.at) < s.attemptStartedAt) return null;
    return { lost: { code: 'gateway_logged_out', message: 'The gateway reported the session logged out' } };
  }
  return { status: e.status, qr: e.qr ?? undefined };
}

export function observationFromPoll(snap: {
  missing: boolean;
  status: SessionStatus;
  qr: string | null;
  rawStatus: string;
}): Observation {
  if (snap.missing)
    return { lost: { code: 'gateway_session_lost', message: 'The gateway no longer knows the session' } };
  if (snap.status === 'disconnected') {
    return {
      rawStatus: snap.rawStatus,
      lost: { code: 'gateway_logged_out', message: `The gateway reports ${snap.rawStatus}` },
    };
  }
  return { status: snap.status, qr: snap.qr, rawStatus: snap.rawStatus };
}
