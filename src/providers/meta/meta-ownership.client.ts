import { callProvider } from '../http/call';
import { providerHttpClient } from '../http/client';
import { DEFAULT_META_WAITS, readMetaError } from './meta.errors';

/**
 * What a tenant's own token proves about a Meta number it registers (issue 15), with two Graph
 * reads documented in the business-messaging OpenAPI (v23): `GET /{phone-number-id}` (the token
 * can see the number) and `GET /{waba-id}/phone_numbers` (the number belongs to that WABA, which
 * the token can read). Errors are Graph's, classified by `error.code`; the token never appears in
 * an error text.
 */
export type MetaOwnershipFinding = 'ok' | 'phone_number_not_in_waba';

const MAX_PAGES = 10;

export function createMetaOwnershipClient(c: { baseUrl: string; apiVersion: string; timeoutMs: number }) {
  const http = providerHttpClient(c.baseUrl, c.timeoutMs);
  const v = c.apiVersion;
  const readError = readMetaError(DEFAULT_META_WAITS);

  async function get<T>(action: string, token: string, path: string, params: object): Promise<T> {
    const res = await callProvider<T>({
      provider: 'meta',
      label: 'Meta',
      action,
      secrets: [token],
      send: () => http.get(path, { params, headers: { Authorization: `Bearer ${token}` } }),
      readError,
    });
    return res.data;
  }

  return {
    async check(phoneNumberId: string, wabaId: string, token: string): Promise<MetaOwnershipFinding> {
      await get('phone number', token, `/${v}/${encodeURIComponent(phoneNumberId)}`, {
        fields: 'id,display_phone_number',
      });
      let after: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await get<{
          data?: { id?: string }[];
          paging?: { cursors?: { after?: string }; next?: string };
        }>('phone_numbers', token, `/${v}/${encodeURIComponent(wabaId)}/phone_numbers`, {
          fields: 'id',
          limit: 100,
          ...(after ? { after } : {}),
        });
        if ((res?.data ?? []).some((p) => p.id === phoneNumberId)) return 'ok';
        after = res?.paging?.next ? res.paging.cursors?.after : undefined;
        if (!after) break;
      }
      return 'phone_number_not_in_waba';
    },
  };
}

export type MetaOwnershipClient = ReturnType<typeof createMetaOwnershipClient>;
