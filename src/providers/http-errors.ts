import { isAxiosError } from 'axios';
import { ProviderError, parseRetryAfter } from './errors';

/** Network failures where the request may not have reached the provider, or it may come back. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** A short, secret-free description of the provider's error body. */
function describeBody(data: unknown): string | undefined {
  if (data === undefined || data === null || data === '') return undefined;
  if (typeof data === 'string') return data.slice(0, 300);
  if (typeof data === 'object') {
    const o = data as Record<string, unknown>;
    // Evolution nests the useful text under response.message; most others use message or error.
    const msg = (o.response as Record<string, unknown> | undefined)?.message ?? o.message ?? o.error;
    if (typeof msg === 'string') return msg.slice(0, 300);
    if (Array.isArray(msg)) return msg.map(String).join('; ').slice(0, 300);
  }
  return undefined;
}

/**
 * HTTP failures of a gateway call as a typed ProviderError: 5xx, 408, timeouts and refused or reset
 * connections are transient; 429 is rate_limited (with Retry-After); 401/403 auth; other 4xx
 * invalid_request; anything else permanent. Headers are never copied (they carry keys).
 */
export function classifyHttpError(err: unknown, provider: string, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  if (!isAxiosError(err)) {
    return new ProviderError(
      'permanent',
      `${provider} ${action} failed: ${(err as Error)?.message ?? String(err)}`,
      {
        provider,
      },
    );
  }
  const res = err.response;
  if (!res) {
    const code = err.code ?? 'network_error';
    const kind = TRANSIENT_CODES.has(code) ? 'transient' : 'permanent';
    return new ProviderError(kind, `${provider} ${action} failed: ${code} (${err.message})`, {
      provider,
      code,
    });
  }
  const status = res.status;
  const detail = describeBody(res.data);
  const message = `${provider} ${action} failed: HTTP ${status}${detail ? ` ${detail}` : ''}`;
  const init = { provider, code: String(status), httpStatus: status, details: detail };
  if (status >= 500 || status === 408) return new ProviderError('transient', message, init);
  if (status === 429) {
    return new ProviderError('rate_limited', message, {
      ...init,
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    });
  }
  if (status === 401 || status === 403) return new ProviderError('auth', message, init);
  if (status >= 400) return new ProviderError('invalid_request', message, init);
  return new ProviderError('permanent', message, init);
}
