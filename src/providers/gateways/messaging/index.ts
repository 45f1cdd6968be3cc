import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import type { ProviderDescriptor } from '../../descriptor';
import { gatewaySettings, type GatewayEnv } from '../gateway.settings';
import { createGatewayMessagingProvider } from './gateway-messaging.adapter';

/** Messages through a QR-linked WhatsApp Web session: slow by design (a phone's pace, per minute). */
export const whatsappWebProvider: ProviderDescriptor<GatewayEnv, never, typeof gatewaySettings> = {
  name: WHATSAPP_WEB_PROVIDER,
  settings: gatewaySettings,
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
