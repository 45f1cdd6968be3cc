import axios, { type AxiosInstance } from 'axios';

/**
 * An HTTP client for a provider whose every answer `callProvider` reads itself (no throw on
 * 4xx/5xx: the provider's own error body is what gets classified). Trailing slashes of the base URL
 * go; `headers` are sent with every request (e.g. a gateway's global API key).
 */
export function providerHttpClient(
  baseUrl: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): AxiosInstance {
  return axios.create({
    baseURL: baseUrl.replace(/\/+$/, ''),
    timeout: timeoutMs,
    headers,
    validateStatus: () => true,
  });
}
