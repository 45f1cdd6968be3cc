import { ProviderError, parseRetryAfter, type ProviderErrorKind } from '../errors';
import { classifyMetaError, type MetaRateLimitWaits } from '../meta/meta.errors';
import type { MetaGraphError } from '../meta/meta.types';
import type { Dialog360MetaError, Dialog360PlainError } from './dialog360.types';

export const DIALOG360 = '360dialog';

/**
 * A failed `POST /messages` on 360dialog (reference/official-platform.md B) as a ProviderError:
 * - Meta Graph errors pass through unchanged → classified by Meta's code (classifyMetaError, A2);
 * - 360dialog's own envelopes (`{"meta":{"success":false,"http_code",…}}`, `{"error":"…"}`) and
 *   bodies that are not JSON (a proxy's page) carry no code of their own → classified by HTTP status:
 *   401/403 auth (401 "Invalid api_key", 403 "The endpoint is blocked"), 429 rate_limited
 *   (Retry-After, else the fallback wait), 5xx/408 transient, other 4xx invalid_request (a body
 *   360dialog refused), anything else permanent — save the documented 400s in `kindOf`.
 * The stored code is Meta's code for passed-through errors, else the HTTP status.
 */
export function classifyDialog360Error(
  httpStatus: number,
  body: unknown,
  headers: { 'retry-after'?: unknown },
  waits: MetaRateLimitWaits,
): ProviderError {
  const graph = (body as Partial<MetaGraphError> | undefined)?.error;
  if (graph && typeof graph === 'object' && typeof graph.code === 'number')
    return classifyMetaError(httpStatus, body, headers, waits, DIALOG360);
  const { message, details } = describe(httpStatus, body);
  const kind = kindOf(httpStatus, message);
  return new ProviderError(kind, message, {
    provider: DIALOG360,
    code: String(httpStatus),
    httpStatus,
    retryAfterMs:
      kind === 'rate_limited' ? (parseRetryAfter(headers['retry-after']) ?? waits.fallback) : undefined,
    details,
  });
}

/**
 * 360dialog's own errors carry no code. Its error reference (docs.360dialog.com … /error-messages)
 * lists two 400s that are not request errors: "You have exceeded the endpoint rate limit" (wait) and
 * "Could not send message due to lack of payment" / "API has been disabled" (nothing to retry).
 */
function kindOf(status: number, message: string): ProviderErrorKind {
  if (/rate limit/i.test(message)) return 'rate_limited';
  if (/lack of payment|has been disabled/i.test(message)) return 'permanent';
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500 || status === 408) return 'transient';
  if (status >= 400) return 'invalid_request';
  return 'permanent';
}

/** A short, secret-free text for operators from 360dialog's own error shapes. */
function describe(status: number, body: unknown): { message: string; details?: string } {
  const meta = (body as Partial<Dialog360MetaError> | undefined)?.meta;
  if (meta && typeof meta === 'object' && meta.success === false) {
    const message =
      typeof meta.developer_message === 'string'
        ? meta.developer_message.slice(0, 300)
        : `360dialog answered HTTP ${meta.http_code ?? status}`;
    const details = Array.isArray(meta.details) ? JSON.stringify(meta.details).slice(0, 500) : undefined;
    return { message: `360dialog: ${message}`, details };
  }
  const plain = (body as Partial<Dialog360PlainError> | undefined)?.error;
  if (typeof plain === 'string') return { message: `360dialog: ${plain.slice(0, 300)}` };
  return { message: `360dialog answered HTTP ${status}` };
}
