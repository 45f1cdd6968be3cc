import type { AxiosResponse } from 'axios';
import { ProviderError } from '../errors';
import { callProvider, type ReadErrorAnswer } from '../http/call';
import { DEFAULT_META_WAITS, graphErrorOf, readMetaError, type MetaRateLimitWaits } from './meta.errors';
import type { MetaGraphError } from './meta.types';
import { providerHttpClient } from '../http/client';

/**
 * Meta's Embedded Signup server calls (reference/official-platform.md A5; OpenAPI
 * business-messaging v23: `/register`, `/deregister`, `/subscribed_apps`, `/phone_numbers`):
 * exchange the code, find the shared WABA and number, subscribe our app, register the number.
 * Errors are classified by Graph `error.code` (readMetaError); secrets that travel in a call
 * (code, app secret, tokens, PIN) are scrubbed from every error text.
 */
export interface MetaOnboardingConfig {
  baseUrl: string;
  apiVersion: string;
  timeoutMs: number;
  appId: string;
  appSecret: string;
  waits?: MetaRateLimitWaits;
}

export interface MetaPhoneNumber {
  id: string;
  displayPhoneNumber: string;
}

interface DebugTokenData {
  is_valid?: boolean;
  granular_scopes?: { scope?: string; target_ids?: string[] }[];
}

/**
 * A code exchanged before: OAuthException 100 / subcode 36009 "This authorization code has been
 * used." (reference/official-platform.md A5, whose subcode is "from memory": the text is matched too).
 */
const CODE_USED_SUBCODE = 36009;
const CODE_USED_DETAILS = 'authorization code already used (OAuthException 100/36009)';

/** Whether `err` is Meta's answer to exchanging a code that was exchanged before. */
export const isCodeAlreadyUsed = (err: unknown): boolean =>
  err instanceof ProviderError && err.provider === 'meta' && err.details === CODE_USED_DETAILS;

/** Deregistering a number that is not registered: Graph 100 with this subcode (OpenAPI `/deregister`). */
const NOT_REGISTERED_SUBCODE = 2207051;
const MAX_PHONE_PAGES = 10;

export function createMetaOnboardingClient(config: MetaOnboardingConfig) {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const v = config.apiVersion;
  const readError = readMetaError(config.waits ?? DEFAULT_META_WAITS);
  const readExchangeError: ReadErrorAnswer = (httpStatus, body) => {
    const answer = readError(httpStatus, body);
    const e = graphErrorOf(body);
    const used =
      e?.code === 100 &&
      (e.error_subcode === CODE_USED_SUBCODE || /code has been used/i.test(e.message ?? ''));
    return used ? { ...answer, details: CODE_USED_DETAILS } : answer;
  };
  const appToken = `${config.appId}|${config.appSecret}`;

  async function call<T>(
    action: string,
    secrets: string[],
    send: () => Promise<AxiosResponse>,
    /** An error answer that means the wanted state already holds. */
    alreadyDone?: (err: Partial<MetaGraphError['error']> | undefined) => boolean,
    read: ReadErrorAnswer = readError,
  ): Promise<T | undefined> {
    const res = await callProvider<T>({
      provider: 'meta',
      label: 'Meta',
      action,
      secrets: [...secrets, config.appSecret],
      send,
      readError: read,
      alreadyDone: alreadyDone && ((r) => alreadyDone(graphErrorOf(r.data))),
    });
    return res.status >= 200 && res.status < 300 ? res.data : undefined;
  }
  const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

  return {
    /**
     * `GET /oauth/access_token`: the Embedded Signup code → the business integration system-user
     * token. A code exchanged before is an invalid_request that `isCodeAlreadyUsed` recognises.
     */
    async exchangeCode(code: string): Promise<string> {
      const data = await call<{ access_token?: unknown }>(
        'code exchange',
        [code],
        () =>
          http.get(`/${v}/oauth/access_token`, {
            params: { client_id: config.appId, client_secret: config.appSecret, code },
          }),
        undefined,
        readExchangeError,
      );
      if (typeof data?.access_token !== 'string' || data.access_token === '')
        throw new ProviderError('transient', 'Meta code exchange: answer without an access_token', {
          provider: 'meta',
        });
      return data.access_token;
    },

    /** `GET /debug_token` (app token): the WABA ids the business token was granted (granular_scopes). */
    async sharedWabaIds(businessToken: string): Promise<string[]> {
      const res = await call<{ data?: DebugTokenData }>('debug_token', [businessToken], () =>
        http.get(`/${v}/debug_token`, { params: { input_token: businessToken }, ...bearer(appToken) }),
      );
      if (res?.data?.is_valid !== true)
        throw new ProviderError('auth', 'Meta debug_token: the business token is not valid', {
          provider: 'meta',
          code: '190',
        });
      const scopes = res.data.granular_scopes ?? [];
      const ids = (scope: string) => scopes.find((s) => s.scope === scope)?.target_ids ?? [];
      return [...new Set([...ids('whatsapp_business_management'), ...ids('whatsapp_business_messaging')])];
    },

    /** `GET /{waba}/phone_numbers` (all pages, bounded). */
    async phoneNumbers(wabaId: string, businessToken: string): Promise<MetaPhoneNumber[]> {
      const out: MetaPhoneNumber[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_PHONE_PAGES; page++) {
        const res = await call<{
          data?: { id?: string; display_phone_number?: string }[];
          paging?: { cursors?: { after?: string }; next?: string };
        }>('phone_numbers', [businessToken], () =>
          http.get(`/${v}/${encodeURIComponent(wabaId)}/phone_numbers`, {
            params: { fields: 'id,display_phone_number', limit: 100, ...(after ? { after } : {}) },
            ...bearer(businessToken),
          }),
        );
        for (const p of res?.data ?? [])
          if (p.id) out.push({ id: p.id, displayPhoneNumber: p.display_phone_number ?? '' });
        after = res?.paging?.next ? res.paging.cursors?.after : undefined;
        if (!after) break;
      }
      return out;
    },

    /** `POST /{waba}/subscribed_apps`: our app receives the WABA's webhooks. Idempotent at Meta. */
    async subscribeApp(wabaId: string, businessToken: string): Promise<void> {
      await call('subscribe app', [businessToken], () =>
        http.post(`/${v}/${encodeURIComponent(wabaId)}/subscribed_apps`, {}, bearer(businessToken)),
      );
    },

    async unsubscribeApp(wabaId: string, businessToken: string): Promise<void> {
      await call('unsubscribe app', [businessToken], () =>
        http.delete(`/${v}/${encodeURIComponent(wabaId)}/subscribed_apps`, bearer(businessToken)),
      );
    },

    /** `POST /{phone}/register` with the 6-digit two-step verification PIN. */
    async registerPhone(phoneNumberId: string, pin: string, businessToken: string): Promise<void> {
      await call('register', [businessToken, pin], () =>
        http.post(
          `/${v}/${encodeURIComponent(phoneNumberId)}/register`,
          { messaging_product: 'whatsapp', pin },
          bearer(businessToken),
        ),
      );
    },

    /** `POST /{phone}/deregister`; a number that is not registered counts as done. */
    async deregisterPhone(phoneNumberId: string, businessToken: string): Promise<void> {
      await call(
        'deregister',
        [businessToken],
        () => http.post(`/${v}/${encodeURIComponent(phoneNumberId)}/deregister`, {}, bearer(businessToken)),
        (e) => e?.code === 100 && e.error_subcode === NOT_REGISTERED_SUBCODE,
      );
    },
  };
}

export type MetaOnboardingClient = ReturnType<typeof createMetaOnboardingClient>;
