/**
 * The one error type adapters throw. The kind is decided from the provider's own error code (not
 * the HTTP status alone): it tells the activity boundary whether to retry, wait, or fail at once.
 */
export type ProviderErrorKind = 'transient' | 'rate_limited' | 'auth' | 'invalid_request' | 'permanent';

/** The one rule for which kinds a later attempt may fix: the provider's outage and its rate limit. */
export function isRetryable(kind: ProviderErrorKind): boolean {
  return kind === 'transient' || kind === 'rate_limited';
}

export interface ProviderErrorInit {
  provider: string;
  /** The provider's own code (Meta `error.code`, Twilio `code`, gateway status…), as a string. */
  code?: string;
  httpStatus?: number;
  /** For rate_limited: how long to wait before the next attempt (Retry-After, or the provider's advice). */
  retryAfterMs?: number;
  /** Extra, non-secret facts for operators (e.g. Meta `error_data.details`). */
  details?: string;
}

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly provider: string;
  readonly code?: string;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly details?: string;

  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    init: ProviderErrorInit,
  ) {
    super(message);
    this.provider = init.provider;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
    this.details = init.details;
  }

  get retryable(): boolean {
    return isRetryable(this.kind);
  }
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds; undefined when absent or bad. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `text` with every (non-empty) secret replaced by `[redacted]`: for error texts that may echo a call's secrets. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join('[redacted]'), text);
}
