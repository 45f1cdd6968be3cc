import type { AxiosResponse } from 'axios';
import {
  ProviderError,
  parseRetryAfter,
  redactSecrets,
  type ProviderErrorInit,
  type ProviderErrorKind,
} from '../errors';

/**
 * The one way every adapter and onboarding client calls its provider: no answer → transient; a 2xx
 * (or an error answer `alreadyDone` accepts) → the response; anything else → a ProviderError whose
 * kind comes from the vendor's code table (`readError`) or, when the vendor's code says nothing, from
 * the HTTP status (`kindFromStatus`). Secrets that travel in the call never appear in an error text.
 *
 * To add a vendor: write its `readError` next to its adapter (its code table, the text and details
 * worth keeping, its rate-limit waits); it never builds a ProviderError itself.
 */

/** What a vendor makes of one error answer. */
export interface ErrorAnswer {
  /** Set when the vendor's code (or documented text) decides the kind; else the HTTP status does. */
  kind?: ProviderErrorKind;
  /** The vendor's code as stored on the error (vendors without codes store the HTTP status). */
  code?: string;
  /** What the vendor said, secret-free and short, without the vendor's name (the call adds it). */
  message: string;
  /** Extra, non-secret facts for operators. */
  details?: string;
  /** For a rate limit whose answer has no Retry-After: the vendor's advice for this code. */
  wait?: number;
}

export type ReadErrorAnswer = (httpStatus: number, body: unknown) => ErrorAnswer;

/**
 * The kind of an error answer whose vendor code is unknown (or absent): 429 rate_limited, 401/403
 * auth, 5xx and 408 transient, every other 4xx invalid_request, anything else permanent.
 *
 * A 4xx without a known code is `invalid_request`, decided once here: HTTP says a 4xx is the client's
 * fault (RFC 9110 §15.5) — the provider refused this request as sent — while `permanent` is for what
 * the provider told us it will never do (an unreachable recipient, a blocked account), which needs a
 * code saying so. Both fail at once; only the failure type (`ProviderInvalidRequest`, an onboarding's
 * `provider_rejected`) differs. Codes a vendor documents as permanent stay in its table.
 */
export function kindFromStatus(httpStatus: number): ProviderErrorKind {
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 401 || httpStatus === 403) return 'auth';
  if (httpStatus >= 500 || httpStatus === 408) return 'transient';
  if (httpStatus >= 400) return 'invalid_request';
  return 'permanent';
}

export interface ProviderCall {
  /** Stored on the error (`ProviderError.provider`). */
  provider: string;
  /** The vendor's name in error texts, e.g. 'Meta', '360dialog'. */
  label: string;
  /** What the call does, in error texts ('register', 'create session'); a send leaves it out. */
  action?: string;
  /** Values that must never appear in an error text (keys, tokens, codes, PINs). */
  secrets?: readonly string[];
  send: () => Promise<AxiosResponse>;
  readError: ReadErrorAnswer;
  /** An error answer that means the wanted state already holds (e.g. deleting what is gone). */
  alreadyDone?: (res: AxiosResponse) => boolean;
}

/** A 2xx answer, or the error answer `alreadyDone` accepted; throws ProviderError otherwise. */
export async function callProvider<T = unknown>(call: ProviderCall): Promise<AxiosResponse<T>> {
  const secrets = call.secrets ?? [];
  const text = (what: string) =>
    redactSecrets(`${call.label}${call.action ? ` ${call.action}` : ''}: ${what}`, secrets);
  let res: AxiosResponse;
  try {
    res = await call.send();
  } catch (err) {
    // No answer (refused, reset, timeout): nothing is known about the call's effect; only a retry can tell.
    const code = (err as { code?: unknown })?.code;
    throw new ProviderError('transient', text(`no answer (${(err as Error)?.message ?? String(err)})`), {
      provider: call.provider,
      code: typeof code === 'string' ? code : undefined,
    });
  }
  if (res.status >= 200 && res.status < 300) return res as AxiosResponse<T>;
  if (call.alreadyDone?.(res)) return res as AxiosResponse<T>;
  throw errorOf(call, res, text);
}

function errorOf(call: ProviderCall, res: AxiosResponse, text: (what: string) => string): ProviderError {
  const answer = call.readError(res.status, res.data);
  const kind = answer.kind ?? kindFromStatus(res.status);
  const init: ProviderErrorInit = {
    provider: call.provider,
    code: answer.code,
    httpStatus: res.status,
    retryAfterMs:
      kind === 'rate_limited'
        ? (parseRetryAfter((res.headers as Record<string, unknown>)['retry-after']) ?? answer.wait)
        : undefined,
    details: answer.details === undefined ? undefined : redactSecrets(answer.details, call.secrets ?? []),
  };
  return new ProviderError(kind, text(answer.message), init);
}

/**
 * `readError` for a provider without a code table (the WhatsApp Web gateways): the HTTP status is
 * the code, the body's `message` (or `error`, or Evolution's `response.message`) the text.
 */
export const readPlainError: ReadErrorAnswer = (httpStatus, body) => {
  const said = describeBody(body);
  return { code: String(httpStatus), message: `HTTP ${httpStatus}${said ? ` ${said}` : ''}`, details: said };
};

/** A short, secret-free description of an error body. */
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

/** Whether `err` is a provider's error answer with one of `statuses` (and, given `said`, a text matching it). */
export function answeredWith(err: unknown, statuses: readonly number[], said?: RegExp): boolean {
  return (
    err instanceof ProviderError &&
    err.httpStatus !== undefined &&
    statuses.includes(err.httpStatus) &&
    (said === undefined || said.test(err.details ?? ''))
  );
}
