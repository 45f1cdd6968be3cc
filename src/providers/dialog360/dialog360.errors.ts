import { dialog360Official } from './dialog360.official';
import type { ProviderErrorKind } from '../errors';
import type { ErrorAnswer } from '../http/call';
import { graphErrorOf, readMetaError, type MetaRateLimitWaits } from '../meta/meta.errors';
import type { Dialog360MetaError, Dialog360PlainError } from './dialog360.types';

export const DIALOG360 = dialog360Official.name;

/**
 * A 360dialog error answer (reference/official-platform.md B; `readError` of callProvider):
 * - Meta Graph errors pass through unchanged → read by Meta's code (readMetaError, A2);
 * - 360dialog's own envelopes (`{"meta":{"success":false,"http_code",…}}`, `{"error":"…"}`) and
 *   bodies that are not JSON (a proxy's page) carry no code of their own → the HTTP status decides
 *   (401 "Invalid api_key", 403 "The endpoint is blocked"), save the documented 400s in `kindOf`;
 *   a bare 429 without Retry-After waits the fallback.
 * The stored code is Meta's code for passed-through errors, else the HTTP status.
 */
export function readDialog360Error(waits: MetaRateLimitWaits) {
  const readGraph = readMetaError(waits);
  return (httpStatus: number, body: unknown): ErrorAnswer => {
    if (typeof graphErrorOf(body)?.code === 'number') return readGraph(httpStatus, body);
    const { message, details } = describe(httpStatus, body);
    return { kind: kindOf(message), code: String(httpStatus), message, details, wait: waits.fallback };
  };
}

/**
 * 360dialog's own errors carry no code. Its error reference (docs.360dialog.com … /error-messages)
 * lists two 400s that are not request errors: "You have exceeded the endpoint rate limit" (wait) and
 * "Could not send message due to lack of payment" / "API has been disabled" (nothing to retry).
 */
function kindOf(message: string): ProviderErrorKind | undefined {
  if (/rate limit/i.test(message)) return 'rate_limited';
  if (/lack of payment|has been disabled/i.test(message)) return 'permanent';
  return undefined;
}

/** A short, secret-free text for operators from 360dialog's own error shapes. */
function describe(status: number, body: unknown): { message: string; details?: string } {
  const meta = (body as Partial<Dialog360MetaError> | undefined)?.meta;
  if (meta && typeof meta === 'object' && meta.success === false) {
    const message =
      typeof meta.developer_message === 'string'
        ? meta.developer_message.slice(0, 300)
        : `answered HTTP ${meta.http_code ?? status}`;
    const details = Array.isArray(meta.details) ? JSON.stringify(meta.details).slice(0, 500) : undefined;
    return { message, details };
  }
  const plain = (body as Partial<Dialog360PlainError> | undefined)?.error;
  if (typeof plain === 'string') return { message: plain.slice(0, 300) };
  return { message: `answered HTTP ${status}` };
}
