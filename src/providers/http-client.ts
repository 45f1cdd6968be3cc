import axios, { type AxiosInstance } from 'axios';

/**
 * An HTTP client for a provider whose every answer the adapter reads itself (no throw on 4xx/5xx:
 * the provider's own error body is what gets classified). Trailing slashes of the base URL go.
 */
export function providerHttpClient(baseUrl: string, timeoutMs: number): AxiosInstance {
  return axios.create({
    baseURL: baseUrl.replace(/\/+$/, ''),
    timeout: timeoutMs,
    validateStatus: () => true,
  });
}
