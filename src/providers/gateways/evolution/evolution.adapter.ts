import type { AxiosResponse } from 'axios';
import type { Logger } from '../../../logging/logger';
import { answeredWith, callProvider, readPlainError } from '../../http/call';
import { providerHttpClient } from '../../http/client';
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
  const http = providerHttpClient(config.baseUrl, config.timeoutMs, {
    'Content-Type': 'application/json',
    Accept: 'application/json',
  });
  const enc = encodeURIComponent;
  const key = (token: string | null) => {
    const k = token ?? config.apiKey;
    return k ? { apikey: k } : {};
  };
  const call = <T>(
    action: string,
    token: string | null,
    send: () => Promise<AxiosResponse>,
    alreadyDone?: (res: AxiosResponse) => boolean,
  ) =>
    callProvider<T>({
      provider: PROVIDER,
      label: PROVIDER,
      action,
      secrets: [config.apiKey ?? '', token ?? '', config.webhook?.secret ?? ''],
      send,
      readError: readPlainError,
      alreadyDone,
    });

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
