import type { GatewayCredentialsPort } from './gateways/messaging/gateway-messaging.adapter';
import type { MessagingProvider } from './types';

export interface ResolvedSender {
  provider: MessagingProvider;
  /** Gateway session id (seed `session_id`); null for official senders. */
  sessionId: string | null;
}

/**
 * The one place that picks a MessagingProvider: by name (activities, from the workflow input) or by
 * sender (the API, when a message is accepted). An official sender registered for the tenant wins;
 * otherwise `from` is a WhatsApp Web session.
 */
export function createMessagingRegistry(opts: {
  providers: MessagingProvider[];
  officialSenders: { get(tenantId: string, senderId: string): Promise<{ provider: string } | null> };
  sessions: GatewayCredentialsPort | null;
  gatewayProvider: string;
}) {
  const byName = new Map(opts.providers.map((p) => [p.name, p]));
  const get = (name: string): MessagingProvider => {
    const p = byName.get(name);
    if (!p) throw new Error(`No messaging provider named ${name} is configured`);
    return p;
  };
  return {
    get,
    async resolveSender(tenantId: string, senderId: string): Promise<ResolvedSender | null> {
      const official = await opts.officialSenders.get(tenantId, senderId);
      if (official) return { provider: get(official.provider), sessionId: null };
      const session = opts.sessions ? await opts.sessions.getGatewayCredentials(tenantId, senderId) : null;
      if (session && byName.has(opts.gatewayProvider)) {
        // What a session can send depends on its gateway (the seed's contract, WAHA, Evolution).
        const gateway = get(opts.gatewayProvider);
        return { provider: gateway.forGatewayKind?.(session.gatewayKind) ?? gateway, sessionId: senderId };
      }
      return null;
    },
  };
}

export type MessagingRegistry = ReturnType<typeof createMessagingRegistry>;
