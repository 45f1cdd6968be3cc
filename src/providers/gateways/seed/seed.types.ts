/**
 * Wire shapes of the seed's gateway, Super-Light-Web-WhatsApp-API-Server (Alucard0x1),
 * `api_documentation.md` and `src/routes/api.js` (v1.2.0). See shared/reference/gateways.md §4.
 */
export type SeedGatewayStatus =
  'CREATING' | 'CONNECTING' | 'GENERATING_QR' | 'CONNECTED' | 'DISCONNECTED' | (string & {});

/** `POST /api/v1/sessions` (X-Master-Key) → 201. */
export interface SeedCreateSessionRequest {
  sessionId: string;
}
export interface SeedCreateSessionResponse {
  status: 'success' | 'error';
  message: string;
  token?: string;
}

/**
 * One entry of `GET /api/v1/sessions`. Older servers answer every session, unauthenticated, with
 * its token; v1.2.0 needs `Authorization: Bearer <session token>`, answers only that session and
 * strips the token.
 */
export interface SeedSessionEntry {
  sessionId: string;
  status: SeedGatewayStatus;
  detail?: string | null;
  qr?: string | null;
  token?: string | null;
}

/**
 * `POST /api/v1/webhook` (v1.2.0 `src/routes/api.js`, behind `validateToken`: the session's
 * Bearer token): sets the session's webhook URL → 200 `{status, message}`. No custom headers.
 */
export interface SeedWebhookRequest {
  sessionId: string;
  url: string;
}

/** `POST /api/v1/messages?sessionId=` answer item (one per message sent). */
export type SeedMessageResult =
  { status: 'success'; message: string; messageId: string } | { status: 'error'; message: string };

/** Webhook body (`src/services/webhook.js`): `{event, sessionId, data, timestamp}`. */
export interface SeedWebhookBody {
  event: string;
  sessionId: string;
  data?: { status?: string; detail?: string | null; qr?: string | null; reason?: string | null } | null;
  timestamp?: string | number;
}
