/** Which WhatsApp Web gateway contract a session lives on (pure: workflows import it). */
export const GATEWAY_KINDS = ['seed', 'waha', 'evolution'] as const;
export type GatewayKind = (typeof GATEWAY_KINDS)[number];
