import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import { ProviderError } from '../../errors';
import { callProvider, readPlainError } from '../../http/call';
import { providerHttpClient } from '../../http/client';
import type { GatewaySender } from '../messaging/gateway-sender';
import { SEED_TYPES, seedMessageId, toSeedMessage } from './seed.outbound';

/** The seed's gateway (Super-Light-Web-WhatsApp-API-Server): `POST /api/v1/messages?sessionId=`, Bearer token. */
export function createSeedSender(config: { baseUrl: string; timeoutMs: number }): GatewaySender {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  return {
    types: SEED_TYPES,
    // The seed gateway reports no delivery statuses: a message ends at sent (issue 14).
    acknowledgesDelivery: false,
    async send(msg, { gatewaySessionId: sessionId, token }) {
      const res = await callProvider({
        provider: WHATSAPP_WEB_PROVIDER,
        label: 'Gateway',
        secrets: token ? [token] : [],
        send: () =>
          http.post(`/api/v1/messages`, [toSeedMessage(msg)], {
            params: { sessionId },
            headers: {
              'Content-Type': 'application/json',
              ...(token ? { Authorization: `Bearer ${token}` } : {}),
            },
          }),
        readError: (status, body) =>
          // The seed's 404 is its answer for a session it does not know: nothing to retry.
          status === 404
            ? { kind: 'permanent', code: '404', message: `does not know session ${sessionId}` }
            : { ...readPlainError(status, body), wait: 60_000 },
      });
      const answer = seedMessageId(res.data);
      if ('id' in answer) return { providerMessageId: answer.id };
      // The seed answers 200 with {status:"error", message} and no code: most often a socket that is not ready.
      throw new ProviderError('transient', `Gateway could not send: ${answer.error}`, {
        provider: WHATSAPP_WEB_PROVIDER,
        httpStatus: res.status,
      });
    },
  };
}
