import type { Dialog360OnboardingRequest } from './dialog360-onboarding.schema';
import type { ProviderDescriptor, SenderCredentialsPort } from '../descriptor';
import { createDialog360PartnerClient, type Dialog360PartnerClient } from './dialog360-partner.client';
import { createDialog360MessagingProvider, type Dialog360AdapterConfig } from './dialog360.adapter';
import { dialog360Official } from './dialog360.official';
import { dialog360Settings, type Dialog360Env } from './dialog360.settings';

/** A sender's D360-API-KEY: only 360dialog senders have one. */
export function dialog360CredentialsFrom(
  senders: Pick<SenderCredentialsPort, 'withCredentials'>,
): Dialog360AdapterConfig['credentials'] {
  return async (tenantId, senderId) => {
    const found = await senders.withCredentials(tenantId, senderId);
    return found?.credentials.provider === '360dialog' ? { apiKey: found.credentials.apiKey } : null;
  };
}

/** Our 360dialog partner account (DIALOG360_PARTNER_ID and DIALOG360_PARTNER_API_KEY), when configured. */
const partnerOf = (env: Dialog360Env) =>
  env.DIALOG360_PARTNER_ID && env.DIALOG360_PARTNER_API_KEY
    ? { partnerId: env.DIALOG360_PARTNER_ID, partnerApiKey: env.DIALOG360_PARTNER_API_KEY }
    : null;

/** 360dialog's Partner API client, when the partner account is configured. */
export interface Dialog360OnboardingClients {
  dialog360?: { client: Dialog360PartnerClient };
}

/** 360dialog (Cloud API hosting), onboarded through its Partner API with the channel a client granted us. */
export const dialog360Provider: ProviderDescriptor<
  Dialog360Env,
  Dialog360OnboardingRequest,
  typeof dialog360Settings,
  Dialog360OnboardingClients
> = {
  name: dialog360Official.name,
  official: dialog360Official,
  settings: dialog360Settings,
  rate: (env) => ({
    ratePerSec: env.RATE_LIMIT_DIALOG360_PER_SECOND,
    burst: env.RATE_LIMIT_DIALOG360_BURST,
  }),
  messaging: (env, ports) =>
    createDialog360MessagingProvider({
      baseUrl: env.DIALOG360_BASE_URL,
      timeoutMs: env.DIALOG360_TIMEOUT_MS,
      statusRefKey: ports.statusRefKey,
      credentials: dialog360CredentialsFrom(ports.senders),
    }),
  onboarding: {
    steps: dialog360Official.steps,
    available: (env) => partnerOf(env) !== null,
    refusal: (_req, a) =>
      a['360dialog']
        ? null
        : '360dialog onboarding needs DIALOG360_PARTNER_ID and DIALOG360_PARTNER_API_KEY on the server',
    facts: (req) => ({ channelId: req.channelId, clientId: req.clientId }),
    secrets: () => ({}),
    defaultSenderId: (req) => `360dialog-${req.channelId}`,
    routingKey: (req) => dialog360Official.routingKey({ channelId: req.channelId }),
    credentials: (from) => ({
      provider: '360dialog',
      apiKey: from.secret('apiKey'),
      webhookSecret: from.secret('webhookSecret'),
    }),
    clients: (env) => {
      const partner = partnerOf(env);
      if (!partner) return {};
      const client = createDialog360PartnerClient({
        partnerBaseUrl: env.DIALOG360_PARTNER_BASE_URL,
        ...partner,
        messagingBaseUrl: env.DIALOG360_BASE_URL,
        timeoutMs: env.DIALOG360_TIMEOUT_MS,
      });
      return { dialog360: { client } };
    },
  },
};
