import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../../logging/logger';
import { ProviderError } from '../errors';
import { classifyHttpError } from '../http-errors';
import type { GatewayCreateResult, GatewaySessionSnapshot, SessionGateway } from '../types';
import { mapSeedSession } from './seed.mapper';
import { tokenisedWebhookUrl, type GatewayWebhookTarget } from '../gateway-webhook-target';
import type {
  SeedCreateSessionRequest,
  SeedCreateSessionResponse,
  SeedSessionEntry,
  SeedWebhookRequest,
} from './seed.types';

export interface SeedGatewayConfig {
  baseUrl: string;
  masterKey?: string;
  timeoutMs: number;
  logger: Logger;
  webhook?: GatewayWebhookTarget;
}

const PROVIDER = 'gateway-seed';

/**
 * The seed's gateway contract (Super-Light-Web-WhatsApp-API-Server): master key to create, the
 * session's bearer token for everything after. Works with both list variants: the legacy
 * unauthenticated `GET /api/v1/sessions` (all sessions, tokens included) and v1.2.0's
 * authenticated one (only the caller's session).
 */
export function createSeedGateway(config: SeedGatewayConfig): SessionGateway {
  const http: AxiosInstance = axios.create({
    baseURL: config.baseUrl.replace(/\/+$/, ''),
    timeout: config.timeoutMs,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  const path = (id: string) => `/api/v1/sessions/${encodeURIComponent(id)}`;

  async function list(token: string | null): Promise<SeedSessionEntry[]> {
    const res = await http.get<SeedSessionEntry[] | { data?: SeedSessionEntry[] }>('/api/v1/sessions', {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    const body = res.data;
    return Array.isArray(body) ? body : Array.isArray(body?.data) ? body.data : [];
  }

  return {
    kind: 'seed',

    async createSession(gatewaySessionId): Promise<GatewayCreateResult> {
      if (!config.masterKey) {
        throw new ProviderError('auth', 'GATEWAY_MASTER_KEY is not configured', {
          provider: PROVIDER,
          code: 'no_master_key',
        });
      }
      const body: SeedCreateSessionRequest = { sessionId: gatewaySessionId };
      try {
        const res = await http.post<SeedCreateSessionResponse>('/api/v1/sessions', body, {
          headers: { 'X-Master-Key': config.masterKey },
        });
        return { token: res.data?.token ?? null, alreadyExisted: false };
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'create session');
        // A retried create whose first answer was lost: the gateway says it exists.
        if (e.httpStatus === 409 || (e.httpStatus === 400 && /already exists/i.test(e.details ?? ''))) {
          return { token: null, alreadyExisted: true };
        }
        throw e;
      }
    },

    async getSession(gatewaySessionId, token): Promise<GatewaySessionSnapshot | null> {
      let entries: SeedSessionEntry[];
      try {
        entries = await list(token);
      } catch (err) {
        throw classifyHttpError(err, PROVIDER, 'get session');
      }
      const entry = entries.find((e) => e.sessionId === gatewaySessionId);
      if (!entry) return null;
      const { snapshot, known } = mapSeedSession(entry);
      if (!known)
        config.logger.warn(
          { provider: PROVIDER, rawStatus: snapshot.rawStatus },
          'unknown gateway status mapped to disconnected',
        );
      return snapshot;
    },

    async deleteSession(gatewaySessionId, token): Promise<void> {
      try {
        await http.delete(path(gatewaySessionId), {
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        });
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'delete session');
        if (e.httpStatus === 404) return;
        throw e;
      }
    },

    async registerWebhook(gatewaySessionId, token): Promise<void> {
      if (!config.webhook) return;
      // No custom headers in this contract: the URL carries the session's HMAC token (never logged).
      const body: SeedWebhookRequest = {
        sessionId: gatewaySessionId,
        url: tokenisedWebhookUrl(config.webhook, gatewaySessionId),
      };
      try {
        await http.post('/api/v1/webhook', body, {
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        });
      } catch (err) {
        throw classifyHttpError(err, PROVIDER, 'register webhook');
      }
    },

    async recoverToken(gatewaySessionId): Promise<string | null> {
      try {
        const entry = (await list(null)).find((e) => e.sessionId === gatewaySessionId);
        return entry?.token ?? null;
      } catch (err) {
        const e = classifyHttpError(err, PROVIDER, 'list sessions');
        if (e.kind === 'auth') return null; // v1.2.0: the list needs the token we are trying to find.
        throw e;
      }
    },
  };
}
