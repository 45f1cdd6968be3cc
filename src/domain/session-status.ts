/**
 * The six connection statuses of a WhatsApp Web session, with the seed's label, colour, `isActive`
 * and `canShowQrCode` semantics (seed 000, `WhatsAppConnectionStatus`). Pure data: the session
 * workflow imports this file, so it must stay free of I/O.
 */
export const SESSION_STATUSES = [
  'disconnected',
  'creating',
  'connecting',
  'pending',
  'generating_qr',
  'connected',
] as const;

export type SessionStatus = (typeof SESSION_STATUSES)[number];

export type SessionStatusColor = 'gray' | 'info' | 'warning' | 'success';

export interface SessionStatusInfo {
  label: string;
  color: SessionStatusColor;
  /** The session holds (or is acquiring) a gateway session. */
  isActive: boolean;
  /** A QR code may be shown to the user in this status. */
  canShowQrCode: boolean;
}

export const SESSION_STATUS_INFO: Readonly<Record<SessionStatus, SessionStatusInfo>> = {
  disconnected: { label: 'Disconnected', color: 'gray', isActive: false, canShowQrCode: false },
  creating: { label: 'Creating Session', color: 'info', isActive: true, canShowQrCode: true },
  connecting: { label: 'Connecting', color: 'info', isActive: true, canShowQrCode: true },
  pending: { label: 'Pending', color: 'warning', isActive: true, canShowQrCode: true },
  generating_qr: { label: 'Generating QR Code', color: 'info', isActive: true, canShowQrCode: true },
  connected: { label: 'Connected', color: 'success', isActive: true, canShowQrCode: false },
};

export function isSessionStatus(value: unknown): value is SessionStatus {
  return typeof value === 'string' && (SESSION_STATUSES as readonly string[]).includes(value);
}

/**
 * The seed's `fromApiStatus`: the gateway's upper-case status (any case accepted) onto ours.
 * Unknown values map to `disconnected`; `known` tells the caller to log them.
 */
export function fromGatewayStatus(raw: string | null | undefined): { status: SessionStatus; known: boolean } {
  const lower = String(raw ?? '').toLowerCase();
  return isSessionStatus(lower) ? { status: lower, known: true } : { status: 'disconnected', known: false };
}

/**
 * Progress order within one attempt, used to ignore late, out-of-order observations (a
 * `generating_qr` that arrives after `connected` is stale). `disconnected` is handled apart.
 */
export const STATUS_RANK: Readonly<Record<SessionStatus, number>> = {
  disconnected: 0,
  creating: 1,
  connecting: 2,
  pending: 3,
  generating_qr: 4,
  connected: 5,
};
