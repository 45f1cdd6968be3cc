import { fromGatewayStatus } from '../../../domain/session-status';
import type { GatewaySessionSnapshot } from '../../types';
import type { SeedSessionEntry } from './seed.types';

/**
 * The seed's statuses are our own in upper case (its `fromApiStatus`); PENDING is application-side.
 * Unknown ones become `disconnected` and `known: false` so the adapter logs them.
 */
export function mapSeedSession(entry: SeedSessionEntry): {
  snapshot: GatewaySessionSnapshot;
  known: boolean;
} {
  const { status, known } = fromGatewayStatus(entry.status);
  return {
    known,
    snapshot: {
      status,
      rawStatus: String(entry.status),
      qr: typeof entry.qr === 'string' && entry.qr !== '' ? entry.qr : null,
      ...(entry.detail ? { detail: String(entry.detail) } : {}),
    },
  };
}
