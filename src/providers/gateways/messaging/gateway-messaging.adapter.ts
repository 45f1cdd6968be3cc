import type { MessageType } from '../../../domain/message';
import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import { ProviderError } from '../../errors';
import { callProvider, readPlainError } from '../../http/call';
import type { MessagingProvider, OutboundMessage, SendResult } from '../../types';
import { toGatewayMessage } from './gateway-messaging.mapper';
import { providerHttpClient } from '../../http/client';

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
  /** The seed gateway's base URL, e.g. http://localhost:3000 (messages at `/api/v1/messages`). */
  baseUrl: string;
  timeoutMs: number;
  sessions: GatewayCredentialsPort;
}

/** The seed contract sends text, image and document only (reference/gateways.md §4). */
export const GATEWAY_TYPES: ReadonlySet<MessageType> = new Set<MessageType>(['text', 'image', 'document']);

/** The seed's WhatsApp Web gateway (Super-Light-Web-WhatsApp-API-Server): `POST /api/v1/messages?sessionId=`. */
export function createGatewayMessagingProvider(config: GatewayMessagingConfig): MessagingProvider {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const fail = (
    kind: ProviderError['kind'],
    message: string,
    extra: { httpStatus?: number; retryAfterMs?: number; code?: string } = {},
  ) => new ProviderError(kind, message, { provider: WHATSAPP_WEB_PROVIDER, ...extra });

  return {
    name: WHATSAPP_WEB_PROVIDER,
    supportedTypes: GATEWAY_TYPES,
    // The seed gateway reports no delivery statuses: a message ends at sent (issue 14).
    acknowledgesDelivery: false,
    async send(msg: OutboundMessage): Promise<SendResult> {
      const creds = await config.sessions.getGatewayCredentials(msg.tenantId, msg.senderId);
      if (!creds) throw fail('permanent', `Session ${msg.senderId} does not exist`);
      if (creds.gatewayKind !== 'seed')
        throw fail('permanent', `Gateway ${creds.gatewayKind} cannot send messages yet`);
      // A session that is reconnecting may come back: wait and retry rather than fail at once.
      if (creds.status !== 'connected')
        throw fail('transient', `Session ${msg.senderId} is ${creds.status}, not connected`);
      const sessionId = creds.gatewaySessionId ?? msg.senderId;
      const res = await callProvider({
        provider: WHATSAPP_WEB_PROVIDER,
        label: 'Gateway',
        secrets: creds.token ? [creds.token] : [],
        send: () =>
          http.post(`/api/v1/messages`, [toGatewayMessage(msg)], {
            params: { sessionId },
            headers: {
              'Content-Type': 'application/json',
              ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}),
            },
          }),
        readError: (status, body) =>
          // The seed's 404 is its answer for a session it does not know: nothing to retry.
          status === 404
            ? { kind: 'permanent', code: '404', message: `does not know session ${sessionId}` }
            : { ...readPlainError(status, body), wait: 60_000 },
      });
      const first = (Array.isArray(res.data) ? res.data[0] : res.data) as
        { status?: string; message?: string; messageId?: string } | undefined;
      if (first?.status === 'success' && typeof first.messageId === 'string' && first.messageId !== '') {
        return { providerMessageId: first.messageId };
      }
      // The seed answers 200 with {status:"error", message} and no code: most often a socket that is not ready.
      throw fail('transient', `Gateway could not send: ${first?.message ?? 'no message id in the answer'}`, {
        httpStatus: res.status,
      });
    },
  };
}
