import type { MetaOnboardingRequest } from './meta-onboarding.schema';
import type { ProviderDescriptor } from '../descriptor';
import { createMetaOnboardingClient, type MetaOnboardingClient } from './meta-onboarding.client';
import { createMetaMessagingProvider } from './meta.adapter';
import { createMetaOwnershipClient } from './meta-ownership.client';
import { metaOfficial } from './meta.official';
import { metaSettings, type MetaEnv } from './meta.settings';

/** The default id of a Meta sender: by its phone number id. */
export const metaSenderId = (phoneNumberId: string) => `meta-${phoneNumberId}`;

/** The Meta app Embedded Signup runs as (META_APP_ID and META_APP_SECRET), when configured. */
const metaApp = (env: MetaEnv) =>
  env.META_APP_ID && env.META_APP_SECRET ? { appId: env.META_APP_ID, appSecret: env.META_APP_SECRET } : null;

/** Meta's onboarding client, when the app is configured; `callTimeoutMs` = the client's HTTP timeout. */
export interface MetaOnboardingClients {
  meta?: { client: MetaOnboardingClient; callTimeoutMs: number };
}

/** Meta's WhatsApp Cloud API, onboarded by Embedded Signup (exchange code → register the number). */
export const metaProvider: ProviderDescriptor<
  MetaEnv,
  MetaOnboardingRequest,
  typeof metaSettings,
  MetaOnboardingClients
> = {
  name: metaOfficial.name,
  official: metaOfficial,
  settings: metaSettings,
  rate: (env) => ({ ratePerSec: env.RATE_LIMIT_META_PER_SECOND, burst: env.RATE_LIMIT_META_BURST }),
  messaging: (env, ports) =>
    createMetaMessagingProvider({
      baseUrl: env.META_GRAPH_BASE_URL,
      apiVersion: env.META_GRAPH_API_VERSION,
      timeoutMs: env.META_TIMEOUT_MS,
      statusRefKey: ports.statusRefKey,
      credentials: (tenantId, senderId) => ports.senders.metaCredentials(tenantId, senderId),
    }),
  onboarding: {
    steps: metaOfficial.steps,
    available: (env) => metaApp(env) !== null,
    refusal: (_req, a) =>
      a.meta ? null : 'Meta onboarding needs META_APP_ID and META_APP_SECRET on the server',
    facts: (req) => ({ wabaId: req.wabaId, phoneNumberId: req.phoneNumberId }),
    secrets: (req) => ({ code: req.code, pin: req.pin }),
    defaultSenderId: (req, onboardingId) => metaSenderId(req.phoneNumberId ?? onboardingId.slice(4, 20)),
    // A signup without phoneNumberId learns it at resolve_ids, which checks the key there.
    routingKey: (req) =>
      req.phoneNumberId ? metaOfficial.routingKey({ phoneNumberId: req.phoneNumberId }) : null,
    credentials: (from) => ({ provider: 'meta', accessToken: from.secret('businessToken') }),
    clients: (env) => {
      const app = metaApp(env);
      if (!app) return {};
      const {
        META_GRAPH_BASE_URL: baseUrl,
        META_GRAPH_API_VERSION: apiVersion,
        META_TIMEOUT_MS: timeoutMs,
      } = env;
      return {
        meta: {
          client: createMetaOnboardingClient({ baseUrl, apiVersion, timeoutMs, ...app }),
          callTimeoutMs: timeoutMs,
        },
      };
    },
  },
  ownership: (env) => ({
    meta: createMetaOwnershipClient({
      baseUrl: env.META_GRAPH_BASE_URL,
      apiVersion: env.META_GRAPH_API_VERSION,
      timeoutMs: env.META_TIMEOUT_MS,
    }),
  }),
};
