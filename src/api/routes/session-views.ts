import QRCode from 'qrcode';
import type { SessionView } from '../../../workflows/session.definitions';
import type { SessionResponse } from '../../schemas/session.schema';

/** The raw QR string becomes a PNG data URL (the seed's gateway only gives the raw string). */
export async function toResponse(v: SessionView): Promise<SessionResponse> {
  const qr = v.qr ? await QRCode.toDataURL(v.qr, { margin: 2, width: 300 }) : null;
  return { ...v, qr };
}
