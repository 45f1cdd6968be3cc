import type { SessionStatus } from '../../../domain/session-status';
import type { GatewaySessionSnapshot } from '../../types';
import type { WahaSessionInfo } from './waha.types';

/**
 * gateways.md §7: STARTING → connecting, SCAN_QR_CODE → generating_qr (re-emitted on every QR
 * rotation), WORKING → connected, STOPPED and FAILED ("restart, else logout and start again") →
 * disconnected. Anything else → disconnected, `known: false`.
 */
const MAP: Record<string, SessionStatus> = {
  STARTING: 'connecting',
  SCAN_QR_CODE: 'generating_qr',
  WORKING: 'connected',
  STOPPED: 'disconnected',
  FAILED: 'disconnected',
};

export function mapWahaStatus(raw: string): { status: SessionStatus; known: boolean } {
  const status = MAP[String(raw).toUpperCase()];
  return status ? { status, known: true } : { status: 'disconnected', known: false };
}

export function toWahaSnapshot(
  info: WahaSessionInfo,
  qr: string | null,
  status: SessionStatus,
): GatewaySessionSnapshot {
  return { status, rawStatus: String(info.status), qr: status === 'generating_qr' ? qr : null };
}
