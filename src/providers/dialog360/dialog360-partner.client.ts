import type { AxiosInstance, AxiosResponse } from 'axios';
import { ProviderError } from '../errors';
import { DEFAULT_META_WAITS } from '../meta/meta.errors';
import { DIALOG360, readDialog360Error } from './dialog360.errors';
import { callProvider } from '../http/call';
import { providerHttpClient } from '../http/client';

/**
 * 360dialog provisioning for an onboarding (reference/official-platform.md B):
 * - Partner API on `hub.360dialog.io/api/v2`, `X-API-Key: <partner api key>`: read the channel the
 *   client granted us (`GET /partners/{pid}/channels?filters={"id":…}` → `partner_channels[]`
 *   with `setup_info.phone_number` and `waba_account.external_id`), generate its API key
 *   (`POST /partners/{pid}/channels/{cid}/api_keys` → `api_keys[0].api_key`; a new key revokes
 *   the channel's older ones);
 * - the number's webhook on the messaging host (`GET/POST /v1/configs/webhook`, `D360-API-KEY`).
 * Errors are classified like the messaging adapter's (readDialog360Error, through callProvider); keys never appear
 * in an error text.
 */
export interface Dialog360PartnerConfig {
  partnerBaseUrl: string;
  partnerId: string;
  partnerApiKey: string;
  /** The messaging host, e.g. https://waba-v2.360dialog.io */
  messagingBaseUrl: string;
  timeoutMs: number;
}

export interface Dialog360Channel {
  id: string;
  /** Digits of the channel's number when the hub tells it. */
  phoneNumber: string | null;
  wabaId: string | null;
  /** The 360dialog client (customer account) the channel belongs to. */
  clientId: string | null;
}

export interface Dialog360WebhookConfig {
  url: string;
  headers: Record<string, string>;
}

interface PartnerChannelWire {
  id?: string;
  client_id?: string;
  setup_info?: { phone_number?: string; phone_name?: string };
  waba_account?: { external_id?: string };
}

export function createDialog360PartnerClient(config: Dialog360PartnerConfig) {
  const make = (baseURL: string): AxiosInstance => providerHttpClient(baseURL, config.timeoutMs);
  const hub = make(config.partnerBaseUrl);
  const waba = make(config.messagingBaseUrl);
  const partner = `/api/v2/partners/${encodeURIComponent(config.partnerId)}`;
  const partnerAuth = { headers: { 'X-API-Key': config.partnerApiKey } };
  const channelAuth = (apiKey: string) => ({ headers: { 'D360-API-KEY': apiKey } });

  const readError = readDialog360Error(DEFAULT_META_WAITS);
  async function call<T>(action: string, secrets: string[], send: () => Promise<AxiosResponse>): Promise<T> {
    const res = await callProvider<T>({
      provider: DIALOG360,
      label: DIALOG360,
      action,
      secrets: [...secrets, config.partnerApiKey],
      send,
      readError,
    });
    return res.data;
  }

  return {
    /** The channel shared with us, or null when the partner API lists none with that id. */
    async getChannel(channelId: string): Promise<Dialog360Channel | null> {
      const data = await call<{ partner_channels?: PartnerChannelWire[] }>('channel lookup', [], () =>
        hub.get(`${partner}/channels`, {
          params: { filters: JSON.stringify({ id: channelId }) },
          ...partnerAuth,
        }),
      );
      const ch = (data?.partner_channels ?? []).find((c) => c.id === channelId);
      if (!ch) return null;
      const digits = ch.setup_info?.phone_number?.replace(/\D/g, '') ?? '';
      return {
        id: channelId,
        phoneNumber: digits || null,
        wabaId: ch.waba_account?.external_id ?? null,
        clientId: ch.client_id ?? null,
      };
    },

    async createApiKey(channelId: string): Promise<string> {
      const data = await call<{ api_keys?: { api_key?: string }[] }>('api key', [], () =>
        hub.post(`${partner}/channels/${encodeURIComponent(channelId)}/api_keys`, {}, partnerAuth),
      );
      const key = data?.api_keys?.[0]?.api_key;
      if (typeof key !== 'string' || key === '')
        throw new ProviderError('transient', '360dialog api key: answer without api_keys[0].api_key', {
          provider: DIALOG360,
        });
      return key;
    },

    /** The number's current webhook, or null when none is set. */
    async getWebhook(apiKey: string): Promise<Dialog360WebhookConfig | null> {
      const data = await call<{ url?: unknown; headers?: unknown }>('webhook read', [apiKey], () =>
        waba.get('/v1/configs/webhook', channelAuth(apiKey)),
      );
      if (typeof data?.url !== 'string' || data.url === '') return null;
      const headers =
        data.headers && typeof data.headers === 'object' ? (data.headers as Record<string, string>) : {};
      return { url: data.url, headers };
    },

    async setWebhook(apiKey: string, webhook: Dialog360WebhookConfig): Promise<void> {
      await call('webhook config', [apiKey, ...Object.values(webhook.headers)], () =>
        waba.post('/v1/configs/webhook', webhook, channelAuth(apiKey)),
      );
    },
  };
}

export type Dialog360PartnerClient = ReturnType<typeof createDialog360PartnerClient>;
