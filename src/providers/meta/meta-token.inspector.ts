import { ProviderError } from '../errors';
import type { MetaGraphError } from './meta.types';
import { providerHttpClient } from '../http-client';

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

/** Masks a token for logs and error text: never more than its first and last 4 characters. */
export const maskToken = (token: string): string =>
  token.length > 12 ? `${token.slice(0, 4)}…${token.slice(-4)}` : '****';

/**
 * Asks Meta about an access token. The token travels only in the `input_token` query string
 * (and, without app credentials, as the Bearer authorizing the call); error texts are scrubbed.
 * A self-authorized call that Meta refuses with Graph 190 is the answer (the token is invalid, or
 * expired with subcode 463); any other failure throws a `transient` ProviderError — with app
 * credentials, a 190 means *our app token* is wrong, which says nothing about the sender's.
 */
export function createMetaTokenInspector(config: MetaTokenInspectorConfig) {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const scrub = (text: string, token: string) => text.split(token).join(maskToken(token));

  return {
    selfAuthorized: !config.appAccessToken,
    async inspect(token: string): Promise<TokenInfo> {
      let res;
      try {
        res = await http.get<MetaDebugTokenResponse & Partial<MetaGraphError>>(
          `/${config.apiVersion}/debug_token`,
          {
            params: { input_token: token },
            headers: { Authorization: `Bearer ${config.appAccessToken ?? token}` },
          },
        );
      } catch (err) {
        throw new ProviderError(
          'transient',
          scrub(`Meta Graph API unreachable: ${(err as Error).message}`, token),
          {
            provider: 'meta',
          },
        );
      }
      const data = res.data?.data;
      if (res.status === 200 && data && typeof data.is_valid === 'boolean')
        return {
          isValid: data.is_valid,
          expiresAt: typeof data.expires_at === 'number' ? data.expires_at : 0,
        };
      const code = res.data?.error?.code;
      if (code === 190 && !config.appAccessToken)
        return { isValid: false, expiresAt: 0, expired: res.data?.error?.error_subcode === 463 };
      const message = scrub(res.data?.error?.message ?? `Meta answered HTTP ${res.status}`, token);
      throw new ProviderError('transient', message, {
        provider: 'meta',
        code: code === undefined ? undefined : String(code),
        httpStatus: res.status,
      });
    },
  };
}

export type MetaTokenInspector = ReturnType<typeof createMetaTokenInspector>;
