import QRCode from 'qrcode';
import type { SessionRecord } from '../../db/repositories/session.repository';
import { SESSION_STATUS_INFO } from '../../domain/session-status';
import type { SessionView } from '../../../workflows/session.definitions';
import type { SessionResponse } from '../../schemas/session.schema';

/** The projection row in the query's shape (used when the workflow cannot be asked). */
export function viewFromRecord(r: SessionRecord): SessionView {
  const info = SESSION_STATUS_INFO[r.status];
  return {
    sessionId: r.sessionId,
    name: r.name,
    status: r.status,
    ...info,
    qr: info.canShowQrCode ? r.qr : null,
    connectedAt: r.connectedAt,
    lastActivityAt: r.lastActivityAt,
    attempt: r.attempt,
    gatewayKind: r.gatewayKind,
    ...(r.error ? { error: r.error } : {}),
  };
}

/** The raw QR string becomes a PNG data URL (the seed's gateway only gives the raw string). */
export async function toResponse(v: SessionView): Promise<SessionResponse> {
  const qr = v.qr ? await QRCode.toDataURL(v.qr, { margin: 2, width: 300 }) : null;
  return { ...v, qr };
}
