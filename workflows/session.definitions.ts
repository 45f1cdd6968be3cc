import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GatewayEvent } from '../src/domain/gateway-event';
import type { GatewayKind } from '../src/domain/gateway-kind';
import {
  SESSION_STATUS_INFO,
  type SessionStatus,
  type SessionStatusColor,
} from '../src/domain/session-status';

export type { GatewayEvent };

/** Signals, queries and updates of the session lifecycle workflow, shared with the API. */

export interface SessionTiming {
  /** An unscanned attempt ends as expired this long after the gateway session was created. */
  qrExpiryMs: number;
  /** Gateway polling while waiting for QR/scan: first delay, doubled while nothing changes, capped. */
  pollInitialMs: number;
  pollMaxMs: number;
  /** Health poll while connected. */
  connectedPollMs: number;
  /** Attempts to create the session on the gateway, exponential backoff from createInitialIntervalMs. */
  createMaxAttempts: number;
  createInitialIntervalMs: number;
  /** startToClose of one gateway activity (a lost worker's call is retried after this). */
  callTimeoutMs: number;
}

export interface SessionError {
  /** gateway_unavailable | gateway_auth_failed | gateway_rejected | qr_expired | gateway_logged_out | gateway_session_lost | gateway_cleanup_failed */
  code: string;
  message: string;
}

export type SessionPhase = 'start' | 'waiting' | 'connected' | 'idle';

export interface SessionState {
  phase: SessionPhase;
  status: SessionStatus;
  qr: string | null;
  connectedAt: string | null;
  lastActivityAt: string | null;
  error: SessionError | null;
  attempt: number;
  /** Projection write counter (ordered, idempotent writes). */
  version: number;
  /** The gateway holds a session for the current attempt (so teardown must delete it). */
  gatewayCreated: boolean;
  /** Workflow time the gateway session of this attempt was created (QR expiry counts from it). */
  attemptStartedAt: number | null;
  /** Newest gateway event time applied (older, out-of-order events are ignored). */
  lastEventAt: string | null;
  pollDelayMs: number;
  rawStatus: string | null;
}

export interface SessionWorkflowInput {
  tenantId: string;
  sessionId: string;
  name: string | null;
  gatewayKind: GatewayKind;
  timing: SessionTiming;
  /** Set by continue-as-new only. */
  carried?: SessionState;
}

/** What the query (and GET /v1/sessions/:id) shows. */
export interface SessionView {
  sessionId: string;
  name: string | null;
  status: SessionStatus;
  label: string;
  color: SessionStatusColor;
  isActive: boolean;
  canShowQrCode: boolean;
  qr: string | null;
  connectedAt: string | null;
  lastActivityAt: string | null;
  attempt: number;
  gatewayKind: GatewayKind;
  error?: SessionError;
}

/** What a view is made of: the workflow's state with its input, or the projection's row. */
export interface SessionViewFields {
  sessionId: string;
  name: string | null;
  status: SessionStatus;
  qr: string | null;
  connectedAt: string | null;
  lastActivityAt: string | null;
  attempt: number;
  gatewayKind: GatewayKind;
  error: SessionError | null;
}

/** The one place a view is built: the status's label and flags, and the QR only where it may be shown. */
export function sessionView(f: SessionViewFields): SessionView {
  const info = SESSION_STATUS_INFO[f.status];
  return {
    sessionId: f.sessionId,
    name: f.name,
    status: f.status,
    ...info,
    qr: info.canShowQrCode ? f.qr : null,
    connectedAt: f.connectedAt,
    lastActivityAt: f.lastActivityAt,
    attempt: f.attempt,
    gatewayKind: f.gatewayKind,
    ...(f.error ? { error: f.error } : {}),
  };
}

export const gatewayEventSignal = defineSignal<[GatewayEvent]>('gatewayEvent');
export const getSessionQuery = defineQuery<SessionView>('getSession');
/** Logout/delete on the gateway, then `disconnected`. Rejected when already disconnected. */
export const disconnectUpdate = defineUpdate<SessionView>('disconnect');
/** New attempt after disconnected/expired/failed. Rejected while active. */
export const restartUpdate = defineUpdate<SessionView>('restart');
/** Tear down and end the workflow; the projection is removed. */
export const deleteUpdate = defineUpdate<SessionView>('delete');

/** ApplicationFailure type of a rejected update (the API answers 409). */
export const SESSION_STATE_CONFLICT = 'SessionStateConflict';
