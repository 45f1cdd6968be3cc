import axios from 'axios';
import type { Logger } from '../../logging/logger';
import { classifyHttpError } from '../http-errors';
import type { GatewaySessionSnapshot, SessionGateway } from '../types';
import type { GatewayWebhookTarget } from '../gateway-webhook-target';
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
  const http = axios.create({
    baseURL: config.baseUrl.replace(/\/+$/, ''),
    timeout: config.timeoutMs,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
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
          events: ['QRCODE_UPDATED', 'CONNECTION_UPDATE', 'LOGOUT_INSTANCE'],
        };
      }
      try {
        const res = await http.post<EvolutionCreateResponse>('/instance/create', body, {
          headers: key(null),
        });
        return { token: instanceToken(res.data), alreadyExisted: false };
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'create instance');
        if (e.httpStatus === 403 && /already in use/i.test(e.details ?? ''))
          return { token: null, alreadyExisted: true };
        throw e;
      }
    },

    async getSession(instanceName, token): Promise<GatewaySessionSnapshot | null> {
      try {
        const state = (
          await http.get<EvolutionConnectionState>(`/instance/connectionState/${enc(instanceName)}`, {
            headers: key(token),
          })
        ).data;
        const raw = String(state.instance?.state ?? '');
        let qr: string | null = null;
        if (raw === 'connecting') {
          const c = (
            await http.get<EvolutionConnect>(`/instance/connect/${enc(instanceName)}`, {
              headers: key(token),
            })
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
        const e = classifyHttpError(err, PROVIDER, 'get instance state');
        if (e.httpStatus === 404) return null;
        throw e;
      }
    },

    async deleteSession(instanceName, token) {
      try {
        // Delete logs the instance out first when it is open or connecting.
        await http.delete(`/instance/delete/${enc(instanceName)}`, { headers: key(token) });
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'delete instance');
        if (e.httpStatus !== 404) throw e;
      }
    },

    async recoverToken() {
      return null; // The global key still reaches the instance; no token needed.
    },
  };
}
