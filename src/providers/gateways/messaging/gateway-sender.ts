// ---------------------------------------------------------------------------------------------
// GatewaySender — how messages go out through one kind of WhatsApp Web gateway.
//
// To add one: `src/providers/gateways/<vendor>/<vendor>.outbound.ts` (OutboundMessage → the vendor's
// request, its answer → the message id, its error answers → ErrorAnswer) and `<vendor>.sender.ts`
// (the calls, through callProvider), then one line in `gateway-messaging.adapter.ts`. If the
// gateway reports acknowledgements, normalise them in `<vendor>.status.ts` (wired in
// `gateways/statuses.ts`) and set `acknowledgesDelivery`; a recording-fake test asserts the exact
// request of every type it sends.
// ---------------------------------------------------------------------------------------------
import type { MessageType } from '../../../domain/message';
import type { OutboundMessage, SendResult } from '../../types';

/** The session a message goes out through, as the sessions area recorded it. */
export interface GatewaySendSession {
  /** The session's name on the gateway (WAHA session, Evolution instance, seed sessionId). */
  gatewaySessionId: string;
  /** The session's own token (seed bearer token, Evolution instance token); null when it has none. */
  token: string | null;
}

export interface GatewaySender {
  /** The message types this gateway sends (the API refuses the others with 422). */
  readonly types: ReadonlySet<MessageType>;
  /** The gateway posts acknowledgements (server, device, read) that our webhook turns into statuses. */
  readonly acknowledgesDelivery: boolean;
  /** Sends one message; throws ProviderError. */
  send(msg: OutboundMessage, session: GatewaySendSession): Promise<SendResult>;
}
