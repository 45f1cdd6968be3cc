import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import { ProviderError } from '../../errors';
import { callProvider } from '../../http/call';
import { providerHttpClient } from '../../http/client';
import type { GatewaySender } from '../messaging/gateway-sender';
import {
  EVOLUTION_TYPES,
  evolutionMessageId,
  readEvolutionError,
  toEvolutionRequest,
} from './evolution.outbound';
import type { EvolutionSendAnswer } from './evolution.types';

/**
 * Sends through Evolution API v2 with the instance's own token as `apikey` (the global key when the
 * instance has none on record). Acknowledgements come back as `messages.update` (evolution.status.ts).
 */
export function createEvolutionSender(config: {
  baseUrl: string;
  timeoutMs: number;
  apiKey?: string;
}): GatewaySender {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs, {
    'Content-Type': 'application/json',
    Accept: 'application/json',
  });
  return {
    types: EVOLUTION_TYPES,
    acknowledgesDelivery: true,
    async send(msg, session) {
      const key = session.token ?? config.apiKey;
      const { path, body } = toEvolutionRequest(msg, session.gatewaySessionId);
      const res = await callProvider<EvolutionSendAnswer>({
        provider: WHATSAPP_WEB_PROVIDER,
        label: 'Evolution API',
        secrets: [config.apiKey, session.token].filter((k): k is string => !!k),
        send: () => http.post(path, body, { headers: key ? { apikey: key } : {} }),
        readError: readEvolutionError,
      });
      const id = evolutionMessageId(res.data);
      if (id) return { providerMessageId: id };
      // Taken (2xx) but no id to follow it by: sending again could deliver it twice.
      throw new ProviderError('permanent', 'Evolution API answered the send without a message id', {
        provider: WHATSAPP_WEB_PROVIDER,
        code: 'no_message_id',
        httpStatus: res.status,
      });
    },
  };
}
