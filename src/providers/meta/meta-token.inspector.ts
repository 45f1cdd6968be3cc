import { ProviderError } from '../errors';
import { callProvider, type ErrorAnswer } from '../http/call';
import { providerHttpClient } from '../http/client';
import { graphErrorOf } from './meta.errors';
import type { MetaGraphError } from './meta.types';

/** `GET /{version}/debug_token` answer (reference/official-platform.md A5); only what we read. */
interface MetaDebugTokenResponse {
  data?: {
    app_id?: string;
    type?: string;
    is_valid?: boolean;
    /** Epoch seconds; 0 = never expires. */
    expires_at?: number;
    error?: { code?: number; message?: string };
  };
}

export interface MetaTokenInspectorConfig {
  baseUrl: string;
  apiVersion: string;
  timeoutMs: number;
  /** `<app_id>|<app_secret>` authorizes the call; absent, the inspected token authorizes itself. */
  appAccessToken?: string;
}

export interface TokenInfo {
  isValid: boolean;
  /** Epoch seconds; 0 = never expires or not told. */
  expiresAt: number;
  /** Meta said so without a date (Graph 190/463 on a self-authorized call). */
  expired?: boolean;
}

/**
 * Asks Meta about an access token. The token travels only in the `input_token` query string
 * (and, without app credentials, as the Bearer authorizing the call); it never appears in an error text.
 * A self-authorized call that Meta refuses with Graph 190 is the answer (the token is invalid, or
 * expired with subcode 463); any other failure throws a `transient` ProviderError — with app
 * credentials, a 190 means *our app token* is wrong, which says nothing about the sender's.
 */
export function createMetaTokenInspector(config: MetaTokenInspectorConfig) {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  // Whatever else Meta answers says nothing final about the token: ask again later.
  const readError = (httpStatus: number, body: unknown): ErrorAnswer => {
    const err = graphErrorOf(body);
    return {
      kind: 'transient',
      code: typeof err?.code === 'number' ? String(err.code) : undefined,
      message: typeof err?.message === 'string' ? err.message : `answered HTTP ${httpStatus}`,
    };
  };

  return {
    selfAuthorized: !config.appAccessToken,
    async inspect(token: string): Promise<TokenInfo> {
      const res = await callProvider<MetaDebugTokenResponse & Partial<MetaGraphError>>({
        provider: 'meta',
        label: 'Meta',
        action: 'debug_token',
        secrets: [token],
        send: () =>
          http.get(`/${config.apiVersion}/debug_token`, {
            params: { input_token: token },
            headers: { Authorization: `Bearer ${config.appAccessToken ?? token}` },
          }),
        readError,
        // Self-authorized, Meta's 190 is the answer: the token is invalid (or expired, subcode 463).
        alreadyDone: (r) => !config.appAccessToken && graphErrorOf(r.data)?.code === 190,
      });
      const data = res.data?.data;
      if (res.status === 200 && data && typeof data.is_valid === 'boolean')
        return {
          isValid: data.is_valid,
          expiresAt: typeof data.expires_at === 'number' ? data.expires_at : 0,
        };
      if (res.status >= 300)
        return { isValid: false, expiresAt: 0, expired: graphErrorOf(res.data)?.error_subcode === 463 };
      throw new ProviderError('transient', `Meta debug_token: answered HTTP ${res.status} without is_valid`, {
        provider: 'meta',
        httpStatus: res.status,
      });
    },
  };
}

export type MetaTokenInspector = ReturnType<typeof createMetaTokenInspector>;
