import type { Logger } from '../../../logging/logger';
import { answeredWith } from '../../http/call';
import { gatewayHttp } from '../shared/gateway-http';
import type { GatewaySessionSnapshot, SessionGateway } from '../../types';
import type { GatewayWebhookTarget } from '../shared/webhook-target';
import { mapWahaStatus, toWahaSnapshot } from './waha.mapper';
import type { WahaCreateSessionRequest, WahaRawQr, WahaSessionInfo } from './waha.types';

export interface WahaGatewayConfig {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  logger: Logger;
  webhook?: GatewayWebhookTarget;
}

const PROVIDER = 'waha';

/**
 * WAHA (one global `X-Api-Key`, no per-session token). WAHA Core only allows the session named
 * `default`; multi-session needs WAHA Plus (gateways.md §1).
 */
export function createWahaGateway(config: WahaGatewayConfig): SessionGateway {
  const { http, call } = gatewayHttp(
    PROVIDER,
    config,
    [config.apiKey, config.webhook?.secret],
    config.apiKey ? { 'X-Api-Key': config.apiKey } : {},
  );
  const enc = encodeURIComponent;

  return {
    kind: 'waha',

    async createSession(name) {
      const body: WahaCreateSessionRequest = { name, start: true };
      if (config.webhook) {
        // Session events (WAHA has no QR event, SCAN_QR_CODE is re-sent on every rotation) and the
        // acknowledgements of our sends (waha.status.ts).
        body.config = {
          webhooks: [
            {
              url: config.webhook.url,
              events: ['session.status', 'message.ack'],
              customHeaders: [{ name: 'X-Webhook-Secret', value: config.webhook.secret }],
            },
          ],
        };
      }
      try {
        await call('create session', null, () => http.post('/api/sessions', body));
        return { token: null, alreadyExisted: false };
      } catch (err) {
        if (answeredWith(err, [422, 409], /already exists/i)) return { token: null, alreadyExisted: true };
        throw err;
      }
    },

    async getSession(name): Promise<GatewaySessionSnapshot | null> {
      let info: WahaSessionInfo;
      try {
        info = (
          await call<WahaSessionInfo>('get session', null, () => http.get(`/api/sessions/${enc(name)}`))
        ).data;
      } catch (err) {
        if (answeredWith(err, [404])) return null;
        throw err;
      }
      const { status, known } = mapWahaStatus(info.status);
      if (!known)
        config.logger.warn(
          { provider: PROVIDER, rawStatus: String(info.status) },
          'unknown gateway status mapped to disconnected',
        );
      let qr: string | null = null;
      if (status === 'generating_qr') {
        try {
          const res = await call<WahaRawQr>('get QR', null, () =>
            http.get(`/api/${enc(name)}/auth/qr`, { params: { format: 'raw' } }),
          );
          qr = res.data.value ?? null;
        } catch (err) {
          // The QR rotated away or the session moved on between the two calls: report no QR this time.
          if (!answeredWith(err, [422, 404])) throw err;
        }
      }
      return toWahaSnapshot(info, qr, status);
    },

    async deleteSession(name) {
      await call(
        'delete session',
        null,
        () => http.delete(`/api/sessions/${enc(name)}`),
        (r) => r.status === 404,
      );
    },

    async recoverToken() {
      return null; // WAHA has no per-session token.
    },
  };
}
