import type { SessionStatus } from './session-status';
import type { InboundMessageEvent, MessageStatusEvent } from './message';

/**
 * A gateway's session event in our vocabulary (QR updated, status changed, logged out), as the
 * webhook normalisers produce it and the session workflow receives it. `at` is the gateway's time
 * (ISO): the workflow ignores events older than the newest it applied.
 */
export interface GatewayEvent {
  kind: 'status' | 'qr' | 'logged_out';
  status?: SessionStatus;
  qr?: string | null;
  at: string;
}

/** Provider name of every WhatsApp Web gateway (seed, WAHA, Evolution) in messages and inbound records. */
export const WHATSAPP_WEB_PROVIDER = 'whatsapp_web';

/**
 * A gateway webhook that reports a message: the canonical inbound message (provider
 * `whatsapp_web`, `recipientAccountId` = the gateway's session name), or why it is not one to
 * keep (our own send echoed back, a status broadcast, Baileys bookkeeping).
 */
export type GatewayInbound =
  | { gatewaySessionId: string; message: InboundMessageEvent }
  | { gatewaySessionId: string; message: null; ignored: string };

/**
 * A gateway's acknowledgement of a message (WAHA `message.ack`, Evolution `messages.update`) as a
 * status of the message it names (provider `whatsapp_web`, by the gateway's message id), or why it
 * is none (an ack of a message someone sent us, a pending or deleted one).
 */
export type GatewayStatus =
  | { gatewaySessionId: string; status: MessageStatusEvent }
  | { gatewaySessionId: string; status: null; ignored: string };
