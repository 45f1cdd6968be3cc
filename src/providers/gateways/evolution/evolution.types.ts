/** Evolution API v2 wire shapes (`instance.router.ts`, `instance.controller.ts`; gateways.md §2). */
export type EvolutionState = 'open' | 'connecting' | 'close' | 'refused' | (string & {});

/** `webhook` of `POST /instance/create` (`instance.controller.ts`; events in `Events` enum spelling). */
export interface EvolutionWebhookConfig {
  url: string;
  byEvents: boolean;
  base64: boolean;
  headers: Record<string, string>;
  events: string[];
}

/** `POST /instance/create`. */
export interface EvolutionCreateRequest {
  instanceName: string;
  qrcode: boolean;
  integration: 'WHATSAPP-BAILEYS';
  webhook?: EvolutionWebhookConfig;
}
export interface EvolutionCreateResponse {
  instance: { instanceName: string; instanceId?: string; integration?: string; status?: string };
  /** The instance token (accepted as `apikey` on this instance's routes). */
  hash?: string | { apikey?: string };
}

/** `GET /instance/connectionState/{instanceName}`. */
export interface EvolutionConnectionState {
  instance: { instanceName: string; state: EvolutionState };
}

/** `GET /instance/connect/{instanceName}`: raw QR in `code`, PNG data URL in `base64`. */
export interface EvolutionConnect {
  pairingCode?: string | null;
  code?: string;
  base64?: string;
  count?: number;
}

/**
 * `POST /message/send*` answer (201): the stored message `{key: {remoteJid, fromMe: true, id},
 * pushName, status: "PENDING", message, messageType, messageTimestamp, instanceId, source}`.
 */
export interface EvolutionSendAnswer {
  key?: { remoteJid?: string; fromMe?: boolean; id?: string } | null;
  status?: string;
}
