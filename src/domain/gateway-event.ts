import type { SessionStatus } from './session-status';

/**
 * A gateway's session event in our vocabulary (QR updated, status changed, logged out), as the
 * webhook normalisers produce it and the session workflow receives it. `at` is the gateway's time
 * (ISO): the workflow ignores events older than the newest it applied.
 */
export interface GatewayEvent {
  kind: 'status' | 'qr' | 'logged_out';
  status?: SessionStatus;
  qr?: string | null;
  at: string;
}
