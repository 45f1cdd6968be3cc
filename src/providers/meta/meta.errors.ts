import type { ProviderErrorKind } from '../errors';
import type { ErrorAnswer } from '../http/call';
import type { MetaGraphError } from './meta.types';

/**
 * Meta error code → what to do (reference/official-platform.md A2). Classify by `error.code`, never
 * by HTTP status alone: Meta answers 400 for most business errors, sometimes 429 for rate limits.
 */
export interface MetaRateLimitWaits {
  /** 130429: throughput (messages per second) limit of the number — retry in seconds. */
  throughput: number;
  /** 131056: pair rate limit (~1 message / 6 s to the same user). */
  pair: number;
  /** 4 and 80007: app or WABA level rate limit. */
  account: number;
  /** An HTTP 429 with no known code and no Retry-After. */
  fallback: number;
}

export const DEFAULT_META_WAITS: MetaRateLimitWaits = {
  throughput: 1_000,
  pair: 6_000,
  account: 60_000,
  fallback: 1_000,
};

function kindOf(code: number): ProviderErrorKind | undefined {
  if ([130429, 131056, 4, 80007].includes(code)) return 'rate_limited';
  if ([1, 2, 131000, 131016, 131057].includes(code)) return 'transient';
  if ([190, 0, 10].includes(code) || (code >= 200 && code <= 299)) return 'auth';
  if ([100, 131008, 131009].includes(code) || (code >= 132000 && code <= 132999)) return 'invalid_request';
  if (code >= 130000 || code === 3 || code === 368) return 'permanent';
  return undefined;
}

function waitFor(code: number, waits: MetaRateLimitWaits): number {
  if (code === 130429) return waits.throughput;
  if (code === 131056) return waits.pair;
  if (code === 4 || code === 80007) return waits.account;
  return waits.fallback;
}

/** The Graph error of an answer, if the body is one. */
export const graphErrorOf = (body: unknown): Partial<MetaGraphError['error']> | undefined =>
  (body as Partial<MetaGraphError> | undefined)?.error;

/**
 * A Graph error answer (`readError` of callProvider): the kind from `error.code`; a code Meta does
 * not document here falls to the HTTP status, save `is_transient: true`, which Meta sets on errors
 * worth retrying.
 */
export function readMetaError(waits: MetaRateLimitWaits) {
  return (httpStatus: number, body: unknown): ErrorAnswer => {
    const err = graphErrorOf(body);
    const code = typeof err?.code === 'number' ? err.code : undefined;
    const flaggedTransient = err?.is_transient === true && ![401, 403, 429].includes(httpStatus);
    return {
      kind: (code === undefined ? undefined : kindOf(code)) ?? (flaggedTransient ? 'transient' : undefined),
      code: code === undefined ? undefined : String(code),
      message: typeof err?.message === 'string' ? err.message : `Graph API answered HTTP ${httpStatus}`,
      details: err?.error_data?.details,
      wait: waitFor(code ?? -1, waits),
    };
  };
}
