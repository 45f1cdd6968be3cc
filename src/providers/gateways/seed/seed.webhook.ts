import type { GatewayEvent } from '../../../domain/gateway-event';
import { fromGatewayStatus } from '../../../domain/session-status';
import { storableString } from '../../../domain/storable';
import { isDateMillis } from '../../../schemas/webhook.schema';
import type { SeedWebhookBody } from './seed.types';

/**
 * The seed gateway's webhook body → our event. `session.update` carries a status (and, from the
 * simulator, the QR); `session.qr` a rotated QR; `session.logged_out` (and the older
 * `session-status` with reason loggedOut) the end. Other events (messages) are not session events.
 */
export function normaliseSeedWebhook(
  body: SeedWebhookBody,
  now = new Date(),
): { gatewaySessionId: string; event: GatewayEvent | null } {
  const at = toIso(body.timestamp) ?? now.toISOString();
  const data = body.data ?? {};
  const status = data.status ? fromGatewayStatus(data.status).status : undefined;
  // Stored with the session: a NUL would make that write fail for ever (PostgreSQL).
  const qr = typeof data.qr === 'string' && data.qr !== '' ? storableString(data.qr) : null;
  const out = (event: GatewayEvent | null) => ({ gatewaySessionId: body.sessionId, event });
  switch (body.event) {
    case 'session.logged_out':
      return out({ kind: 'logged_out', status: 'disconnected', at });
    case 'session.qr':
      return out(qr ? { kind: 'qr', status: 'generating_qr', qr, at } : null);
    case 'session.update':
    case 'session-status':
      if (data.reason === 'logged_out' || data.reason === 'loggedOut')
        return out({ kind: 'logged_out', status: 'disconnected', at });
      return out(status ? { kind: 'status', status, qr, at } : null);
    default:
      return out(null);
  }
}

function toIso(ts: unknown): string | null {
  const ms =
    typeof ts === 'number' ? (ts < 1e12 ? ts * 1000 : ts) : typeof ts === 'string' ? Date.parse(ts) : NaN;
  // Out of Date's range (1e300) is no time at all, like an unparsable one.
  return isDateMillis(ms) ? new Date(ms).toISOString() : null;
}
