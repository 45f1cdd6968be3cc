/** WAHA wire shapes (devlikeapro/waha 2024.10, `src/structures/sessions.dto.ts`, `enums.dto.ts`; gateways.md §1). */
export type WahaSessionStatus =
  'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED' | (string & {});

/** `config.webhooks[]` (`webhooks.config.dto.ts`): per-session webhook with custom headers. */
export interface WahaWebhookConfig {
  url: string;
  events: string[];
  customHeaders?: Array<{ name: string; value: string }>;
}

/** `POST /api/sessions` (`SessionCreateRequest`). */
export interface WahaCreateSessionRequest {
  name: string;
  start: boolean;
  config?: { webhooks?: WahaWebhookConfig[] } & Record<string, unknown>;
}

/** `GET /api/sessions/{session}`. */
export interface WahaSessionInfo {
  name: string;
  status: WahaSessionStatus;
  config?: unknown;
  me?: { id: string; pushName?: string } | null;
  engine?: unknown;
}

/** `GET /api/{session}/auth/qr?format=raw`. */
export interface WahaRawQr {
  value: string;
}

/**
 * A send's answer (`POST /api/send*`): a WAMessage `{id: "true_111@c.us_AAAA", timestamp, from,
 * fromMe, to, body, ack, ackName, _data}` in current releases; in 2024.10 the engine's raw message
 * (WEBJS `id: {_serialized}`, NOWEB Baileys `key: {remoteJid, fromMe, id}`).
 */
export interface WahaSendAnswer {
  id?: string | { _serialized?: string } | null;
  key?: { remoteJid?: string; fromMe?: boolean; id?: string } | null;
  ack?: number;
}
