import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import type { ProviderDescriptor } from '../../descriptor';
import { createGatewayMessagingProvider } from './gateway-messaging.adapter';

/** The configuration WhatsApp Web sessions read for sending (src/config/env.ts). */
export interface WhatsappWebEnv {
  RATE_LIMIT_GATEWAY_PER_MINUTE: number;
  RATE_LIMIT_GATEWAY_BURST: number;
  GATEWAY_BASE_URL: string;
  GATEWAY_API_KEY?: string;
  GATEWAY_TIMEOUT_MS: number;
}

/** Messages through a QR-linked WhatsApp Web session: slow by design (a phone's pace, per minute). */
export const whatsappWebProvider: ProviderDescriptor<WhatsappWebEnv> = {
  name: WHATSAPP_WEB_PROVIDER,
  rate: (env) => ({
    ratePerSec: env.RATE_LIMIT_GATEWAY_PER_MINUTE / 60,
    burst: env.RATE_LIMIT_GATEWAY_BURST,
  }),
  // Only a process that can read sessions' gateway credentials sends through them.
  messaging: (env, ports) =>
    ports.sessions &&
    createGatewayMessagingProvider({
      baseUrl: env.GATEWAY_BASE_URL,
      apiKey: env.GATEWAY_API_KEY,
      timeoutMs: env.GATEWAY_TIMEOUT_MS,
      sessions: ports.sessions,
    }),
};
