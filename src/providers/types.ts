// ---------------------------------------------------------------------------------------------
// SessionGateway — QR-linked WhatsApp Web gateways (the seed's Super-Light server, WAHA, Evolution).
//
// To add a gateway: create `src/providers/gateways/<vendor>/` with `<vendor>.types.ts` (its wire
// shapes, never exported beyond the folder), `<vendor>.mapper.ts` (its statuses → SessionStatus;
// unknown → `disconnected`, logged), `<vendor>.adapter.ts` implementing SessionGateway with
// `callProvider` (src/providers/http/call.ts) and `readPlainError`, `<vendor>.webhook.ts` (its
// webhook envelope → GatewayEvent, wired in `gateways/webhooks.ts`) and `<vendor>.inbound.ts` (its
// inbound messages, wired in `gateways/inbound.ts`). Add its kind to GATEWAY_KINDS
// (src/domain/gateway-kind.ts) and one line to `gateways/registry.ts`; write a test against a
// recording HTTP fake asserting the exact URL, headers and body of each call. Sending through it
// is a GatewaySender of its own (src/providers/gateways/messaging/gateway-sender.ts).
// ---------------------------------------------------------------------------------------------
import type { GatewayKind } from '../domain/gateway-kind';
import type { SessionStatus } from '../domain/session-status';

export { GATEWAY_KINDS, type GatewayKind } from '../domain/gateway-kind';

/** What the gateway says about one session right now, in our vocabulary. */
export interface GatewaySessionSnapshot {
  status: SessionStatus;
  /** The gateway's own status string (for operators; never used for decisions). */
  rawStatus: string;
  /** Raw QR payload (the string encoded in the QR image), when one is on offer. */
  qr: string | null;
  /** The gateway's free-text detail or reason, if any. */
  detail?: string;
}

export interface GatewayCreateResult {
  /** Per-session secret the gateway issued (seed: bearer token; Evolution: instance hash); null when the gateway has none. */
  token: string | null;
  /** The gateway already had a session by that name (a retried create, or a leftover). */
  alreadyExisted: boolean;
}

export interface SessionGateway {
  readonly kind: GatewayKind;
  /** Creates and starts a session named `gatewaySessionId` on the gateway. */
  createSession(gatewaySessionId: string): Promise<GatewayCreateResult>;
  /** Current status and QR; null when the gateway does not know the session. */
  getSession(gatewaySessionId: string, token: string | null): Promise<GatewaySessionSnapshot | null>;
  /** Logs out and deletes the session on the gateway. Idempotent: an unknown session is not an error. */
  deleteSession(gatewaySessionId: string, token: string | null): Promise<void>;
  /**
   * Recovers the token of a session created earlier whose create answer was lost (only gateways
   * that expose it, e.g. the seed's legacy unauthenticated list). Null when it cannot.
   */
  recoverToken(gatewaySessionId: string): Promise<string | null>;
  /**
   * Points the gateway's webhook for this session at us, for gateways where that is a call of its
   * own (the seed's `POST /api/v1/webhook`). Gateways that take the webhook in the create body
   * (WAHA, Evolution) leave it out. A no-op when no webhook target is configured. Idempotent.
   */
  registerWebhook?(gatewaySessionId: string, token: string | null): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// MessagingProvider — send one message (issue 4: Meta Cloud API, the WhatsApp Web gateway).
//
// To add an implementation: a folder src/providers/<vendor>/ with an adapter that maps
// `OutboundMessage` to the vendor's wire format (a `<vendor>.mapper.ts`), returns the vendor's
// message id, and calls the vendor through `callProvider` with the vendor's error-code table
// (`readError`, src/providers/http/call.ts); declare the
// types it can send in `supportedTypes`; let src/providers/messaging-registry.ts pick it.
// ---------------------------------------------------------------------------------------------
import type { MessageContent } from '../schemas/message-content.schema';
import type { MessageType } from '../domain/message';

export interface OutboundMessage {
  tenantId: string;
  /** Our message id; providers that echo a reference (Meta biz_opaque_callback_data) carry it. */
  messageId: string;
  /** Official sender id or gateway session id. */
  senderId: string;
  /** E.164 digits, no plus. */
  to: string;
  content: MessageContent;
}

export interface SendResult {
  providerMessageId: string;
}

export interface MessagingProvider {
  /** Stable name stored with each message and used as the Provider search attribute. */
  readonly name: string;
  readonly supportedTypes: ReadonlySet<MessageType>;
  /**
   * False when the provider never reports delivery (the seed gateway): a message then ends at
   * `sent` instead of following statuses that will not come. Absent = it reports them.
   */
  readonly acknowledgesDelivery?: boolean;
  /**
   * WhatsApp Web only: the provider as a session on gateway `kind` sees it — that gateway's
   * `supportedTypes` and `acknowledgesDelivery` (the registry resolves a session sender to it).
   */
  forGatewayKind?(kind: string): MessagingProvider;
  /** Sends one message; throws ProviderError (never returns a failure). */
  send(message: OutboundMessage): Promise<SendResult>;
}
