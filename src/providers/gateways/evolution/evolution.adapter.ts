import type { Logger } from '../../../logging/logger';
import { answeredWith } from '../../http/call';
import { gatewayHttp } from '../shared/gateway-http';
import type { GatewaySessionSnapshot, SessionGateway } from '../../types';
import type { GatewayWebhookTarget } from '../shared/webhook-target';
import { instanceToken, mapEvolutionState } from './evolution.mapper';
import type {
  EvolutionConnect,
  EvolutionConnectionState,
  EvolutionCreateRequest,
  EvolutionCreateResponse,
} from './evolution.types';

export interface EvolutionGatewayConfig {
  baseUrl: string;
  /** Global AUTHENTICATION_API_KEY: creates instances; instance routes use the instance token when known. */
  apiKey?: string;
  timeoutMs: number;
  logger: Logger;
  webhook?: GatewayWebhookTarget;
}

const PROVIDER = 'evolution';

/** Evolution API v2 instances (`apikey` header: global key to create, instance token after). */
export function createEvolutionGateway(config: EvolutionGatewayConfig): SessionGateway {
  const { http, call } = gatewayHttp(PROVIDER, config, [config.apiKey, config.webhook?.secret]);
  const enc = encodeURIComponent;
  const key = (token: string | null) => {
    const k = token ?? config.apiKey;
    return k ? { apikey: k } : {};
  };

  return {
    kind: 'evolution',

    async createSession(instanceName) {
      const body: EvolutionCreateRequest = { instanceName, qrcode: true, integration: 'WHATSAPP-BAILEYS' };
      if (config.webhook) {
        // byEvents:false → one URL for every event (no /qrcode-updated suffixes); base64 off (no media here).
        body.webhook = {
          url: config.webhook.url,
          byEvents: false,
          base64: false,
          headers: { 'X-Webhook-Secret': config.webhook.secret },
          // Session events, and the acknowledgements of our sends (evolution.status.ts).
          events: ['QRCODE_UPDATED', 'CONNECTION_UPDATE', 'LOGOUT_INSTANCE', 'MESSAGES_UPDATE'],
        };
      }
      try {
        const res = await call<EvolutionCreateResponse>('create instance', null, () =>
          http.post('/instance/create', body, { headers: key(null) }),
        );
        return { token: instanceToken(res.data), alreadyExisted: false };
      } catch (err) {
        if (answeredWith(err, [403], /already in use/i)) return { token: null, alreadyExisted: true };
        throw err;
      }
    },

    async getSession(instanceName, token): Promise<GatewaySessionSnapshot | null> {
      try {
        const state = (
          await call<EvolutionConnectionState>('get instance state', token, () =>
            http.get(`/instance/connectionState/${enc(instanceName)}`, { headers: key(token) }),
          )
        ).data;
        const raw = String(state.instance?.state ?? '');
        let qr: string | null = null;
        if (raw === 'connecting') {
          const c = (
            await call<EvolutionConnect>('get instance state', token, () =>
              http.get(`/instance/connect/${enc(instanceName)}`, { headers: key(token) }),
            )
          ).data;
          qr = typeof c.code === 'string' && c.code !== '' ? c.code : null;
        }
        const { status, known } = mapEvolutionState(raw, qr !== null);
        if (!known)
          config.logger.warn(
            { provider: PROVIDER, rawStatus: raw },
            'unknown gateway status mapped to disconnected',
          );
        return { status, rawStatus: raw, qr };
      } catch (err) {
        if (answeredWith(err, [404])) return null;
        throw err;
      }
    },

    async deleteSession(instanceName, token) {
      // Delete logs the instance out first when it is open or connecting.
      await call(
        'delete instance',
        token,
        () => http.delete(`/instance/delete/${enc(instanceName)}`, { headers: key(token) }),
        (r) => r.status === 404,
      );
    },

    async recoverToken() {
      return null; // The global key still reaches the instance; no token needed.
    },
  };
}
