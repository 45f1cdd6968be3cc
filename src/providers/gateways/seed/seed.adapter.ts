import type { Logger } from '../../../logging/logger';
import { ProviderError } from '../../errors';
import { answeredWith } from '../../http/call';
import { gatewayHttp } from '../shared/gateway-http';
import type { GatewayCreateResult, GatewaySessionSnapshot, SessionGateway } from '../../types';
import { mapSeedSession } from './seed.mapper';
import { tokenisedWebhookUrl, type GatewayWebhookTarget } from '../shared/webhook-target';
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
  const { http, call } = gatewayHttp(PROVIDER, config, [config.masterKey]);
  const path = (id: string) => `/api/v1/sessions/${encodeURIComponent(id)}`;
  const bearer = (token: string | null) => ({ headers: token ? { Authorization: `Bearer ${token}` } : {} });

  async function list(action: string, token: string | null): Promise<SeedSessionEntry[]> {
    const res = await call<SeedSessionEntry[] | { data?: SeedSessionEntry[] }>(action, token, () =>
      http.get('/api/v1/sessions', bearer(token)),
    );
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
      const masterKey = config.masterKey;
      try {
        const res = await call<SeedCreateSessionResponse | undefined>('create session', null, () =>
          http.post('/api/v1/sessions', body, { headers: { 'X-Master-Key': masterKey } }),
        );
        return { token: res.data?.token ?? null, alreadyExisted: false };
      } catch (err) {
        // A retried create whose first answer was lost: the gateway says it exists.
        if (answeredWith(err, [409]) || answeredWith(err, [400], /already exists/i))
          return { token: null, alreadyExisted: true };
        throw err;
      }
    },

    async getSession(gatewaySessionId, token): Promise<GatewaySessionSnapshot | null> {
      const entries = await list('get session', token);
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
      await call(
        'delete session',
        token,
        () => http.delete(path(gatewaySessionId), bearer(token)),
        (r) => r.status === 404,
      );
    },

    async registerWebhook(gatewaySessionId, token): Promise<void> {
      if (!config.webhook) return;
      // No custom headers in this contract: the URL carries the session's HMAC token (never logged).
      const body: SeedWebhookRequest = {
        sessionId: gatewaySessionId,
        url: tokenisedWebhookUrl(config.webhook, gatewaySessionId),
      };
      await call('register webhook', token, () => http.post('/api/v1/webhook', body, bearer(token)));
    },

    async recoverToken(gatewaySessionId): Promise<string | null> {
      try {
        const entry = (await list('list sessions', null)).find((e) => e.sessionId === gatewaySessionId);
        return entry?.token ?? null;
      } catch (err) {
        // v1.2.0: the list needs the token we are trying to find.
        if (err instanceof ProviderError && err.kind === 'auth') return null;
        throw err;
      }
    },
  };
}
