import type { AxiosResponse } from 'axios';
import { callProvider, readPlainError } from '../../http/call';
import { providerHttpClient } from '../../http/client';

/**
 * A session gateway's HTTP: JSON both ways, `headers` on every request, and every call through
 * callProvider with the gateways' plain error bodies (no code table). `keys`, and the session token
 * a call carries, never appear in an error text.
 */
export function gatewayHttp(
  provider: string,
  config: { baseUrl: string; timeoutMs: number },
  keys: readonly (string | undefined)[],
  headers: Record<string, string> = {},
) {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs, {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    ...headers,
  });
  const call = <T>(
    action: string,
    token: string | null,
    send: () => Promise<AxiosResponse>,
    /** An error answer that means the wanted state already holds (deleting what is gone). */
    alreadyDone?: (res: AxiosResponse) => boolean,
  ) =>
    callProvider<T>({
      provider,
      label: provider,
      action,
      secrets: [...keys, token].filter((k): k is string => !!k),
      send,
      readError: readPlainError,
      alreadyDone,
    });
  return { http, call };
}
