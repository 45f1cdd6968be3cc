import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import { ProviderError } from '../../errors';
import { callProvider } from '../../http/call';
import { providerHttpClient } from '../../http/client';
import type { GatewaySender } from '../messaging/gateway-sender';
import { readWahaError, toWahaRequest, WAHA_TYPES, wahaMessageId } from './waha.outbound';
import type { WahaSendAnswer } from './waha.types';

/**
 * Sends through WAHA with its one global `X-Api-Key` (no per-session token). Acknowledgements come
 * back as `message.ack` webhooks (waha.status.ts).
 */
export function createWahaSender(config: {
  baseUrl: string;
  timeoutMs: number;
  apiKey?: string;
}): GatewaySender {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs, {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    ...(config.apiKey ? { 'X-Api-Key': config.apiKey } : {}),
  });
  return {
    types: WAHA_TYPES,
    acknowledgesDelivery: true,
    async send(msg, session) {
      const { path, body } = toWahaRequest(msg, session.gatewaySessionId);
      const res = await callProvider<WahaSendAnswer>({
        provider: WHATSAPP_WEB_PROVIDER,
        label: 'WAHA',
        secrets: config.apiKey ? [config.apiKey] : [],
        send: () => http.post(path, body),
        readError: readWahaError,
      });
      const id = wahaMessageId(res.data);
      if (id) return { providerMessageId: id };
      // Taken (2xx) but no id to follow it by: sending again could deliver it twice.
      throw new ProviderError('permanent', 'WAHA answered the send without a message id', {
        provider: WHATSAPP_WEB_PROVIDER,
        code: 'no_message_id',
        httpStatus: res.status,
      });
    },
  };
}
