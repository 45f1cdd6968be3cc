import axios from 'axios';
import type { Logger } from '../../logging/logger';
import { classifyHttpError } from '../http-errors';
import type { GatewaySessionSnapshot, SessionGateway } from '../types';
import type { GatewayWebhookTarget } from '../gateway-webhook-target';
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
  const http = axios.create({
    baseURL: config.baseUrl.replace(/\/+$/, ''),
    timeout: config.timeoutMs,
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(config.apiKey ? { 'X-Api-Key': config.apiKey } : {}),
    },
  });
  const enc = encodeURIComponent;

  return {
    kind: 'waha',

    async createSession(name) {
      const body: WahaCreateSessionRequest = { name, start: true };
      if (config.webhook) {
        // Only session events: WAHA has no QR event, SCAN_QR_CODE is re-sent on every rotation.
        body.config = {
          webhooks: [
            {
              url: config.webhook.url,
              events: ['session.status'],
              customHeaders: [{ name: 'X-Webhook-Secret', value: config.webhook.secret }],
            },
          ],
        };
      }
      try {
        await http.post('/api/sessions', body);
        return { token: null, alreadyExisted: false };
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'create session');
        if ((e.httpStatus === 422 || e.httpStatus === 409) && /already exists/i.test(e.details ?? '')) {
          return { token: null, alreadyExisted: true };
        }
        throw e;
      }
    },

    async getSession(name): Promise<GatewaySessionSnapshot | null> {
      let info: WahaSessionInfo;
      try {
        info = (await http.get<WahaSessionInfo>(`/api/sessions/${enc(name)}`)).data;
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'get session');
        if (e.httpStatus === 404) return null;
        throw e;
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
          qr =
            (await http.get<WahaRawQr>(`/api/${enc(name)}/auth/qr`, { params: { format: 'raw' } })).data
              .value ?? null;
        } catch (err) {
          const e = classifyHttpError(err, PROVIDER, 'get QR');
          // The QR rotated away or the session moved on between the two calls: report no QR this time.
          if (e.httpStatus !== 422 && e.httpStatus !== 404) throw e;
        }
      }
      return toWahaSnapshot(info, qr, status);
    },

    async deleteSession(name) {
      try {
        await http.delete(`/api/sessions/${enc(name)}`);
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'delete session');
        if (e.httpStatus !== 404) throw e;
      }
    },

    async recoverToken() {
      return null; // WAHA has no per-session token.
    },
  };
}
