import type { MessageType } from '../../../domain/message';
import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import { GATEWAY_KINDS, type GatewayKind } from '../../../domain/gateway-kind';
import { ProviderError } from '../../errors';
import type { MessagingProvider, OutboundMessage, SendResult } from '../../types';
import { createEvolutionSender } from '../evolution/evolution.sender';
import { createSeedSender } from '../seed/seed.sender';
import { createWahaSender } from '../waha/waha.sender';
import type { GatewaySender } from './gateway-sender';

/**
 * What this adapter needs from the sessions area (issue 3): a port, so messaging does not depend
 * on how sessions are stored. `gatewaySessionId` defaults to our session id.
 */
export interface GatewayCredentialsPort {
  getGatewayCredentials(
    tenantId: string,
    sessionId: string,
  ): Promise<{ gatewayKind: string; token: string | null; status: string; gatewaySessionId?: string } | null>;
}

export interface GatewayMessagingConfig {
  /** The gateway's base URL (GATEWAY_BASE_URL), e.g. http://localhost:3000. */
  baseUrl: string;
  /** GATEWAY_API_KEY: WAHA's `X-Api-Key`, Evolution's global `apikey` (an instance's own token wins). */
  apiKey?: string;
  timeoutMs: number;
  sessions: GatewayCredentialsPort;
}

const isKind = (k: string): k is GatewayKind => (GATEWAY_KINDS as readonly string[]).includes(k);

/**
 * Messages through a WhatsApp Web session: one provider (`whatsapp_web`) whose send goes through the
 * sender of the session's own gateway kind — the seed's contract, WAHA or Evolution API. What can be
 * sent, and whether statuses follow, differ by kind: `forGatewayKind` gives that view, which the API
 * reads per sender (422 for a type the session's gateway cannot send).
 */
export function createGatewayMessagingProvider(config: GatewayMessagingConfig): MessagingProvider {
  const common = { baseUrl: config.baseUrl, timeoutMs: config.timeoutMs };
  const senders: Record<GatewayKind, GatewaySender> = {
    seed: createSeedSender(common),
    waha: createWahaSender({ ...common, apiKey: config.apiKey }),
    evolution: createEvolutionSender({ ...common, apiKey: config.apiKey }),
  };
  const fail = (kind: ProviderError['kind'], message: string, code?: string) =>
    new ProviderError(kind, message, { provider: WHATSAPP_WEB_PROVIDER, code });

  async function send(msg: OutboundMessage): Promise<SendResult> {
    const creds = await config.sessions.getGatewayCredentials(msg.tenantId, msg.senderId);
    if (!creds) throw fail('permanent', `Session ${msg.senderId} does not exist`);
    if (!isKind(creds.gatewayKind))
      throw fail(
        'permanent',
        `Gateway kind ${creds.gatewayKind} cannot send messages`,
        'unknown_gateway_kind',
      );
    // A session that is reconnecting may come back: wait and retry rather than fail at once.
    if (creds.status !== 'connected')
      throw fail('transient', `Session ${msg.senderId} is ${creds.status}, not connected`);
    return senders[creds.gatewayKind].send(msg, {
      gatewaySessionId: creds.gatewaySessionId ?? msg.senderId,
      token: creds.token,
    });
  }

  const view = (types: ReadonlySet<MessageType>, acknowledgesDelivery: boolean): MessagingProvider => ({
    name: WHATSAPP_WEB_PROVIDER,
    supportedTypes: types,
    acknowledgesDelivery,
    send,
  });
  const views = new Map<string, MessagingProvider>(
    GATEWAY_KINDS.map((k) => [k, view(senders[k].types, senders[k].acknowledgesDelivery)]),
  );
  const none = view(new Set(), false);
  return {
    // Without a session to ask about: every type some gateway sends, and no statuses promised.
    ...view(new Set(GATEWAY_KINDS.flatMap((k) => [...senders[k].types])), false),
    forGatewayKind: (kind) => views.get(kind) ?? none,
  };
}
