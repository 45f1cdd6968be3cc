import { twilioOfficial } from './twilio.official';
import type { ProviderErrorKind } from '../errors';
import { kindFromStatus, type ErrorAnswer } from '../http/call';
import type { TwilioRestError } from './twilio.types';

export const TWILIO = twilioOfficial.name;

export interface TwilioRateLimitWaits {
  /** 20429 (REST API concurrency) and 63017 (account MPS): retry in about a second. */
  api: number;
  /** 63018: the WhatsApp sender's rate / messaging limit (Meta 429/471/1015 behind it). */
  channel: number;
  /** An HTTP 429 with no known code and no Retry-After. */
  fallback: number;
}

export const DEFAULT_TWILIO_WAITS: TwilioRateLimitWaits = { api: 1_000, channel: 6_000, fallback: 1_000 };

/**
 * Twilio error code → what to do, the one table (sync REST errors `{code,message,more_info,status}`
 * and the async `ErrorCode` of failed/undelivered status callbacks). Sources: reference/
 * official-platform.md C (429 → 20429 with Retry-After; the Twilio↔WhatsApp map 63016↔470,
 * 63018↔429/471/1015, 63024↔1026/1002, 63032↔472, 63028↔2000, 63027↔2001/2003, 63003, 63049) and
 * the twilio.com/docs/api/errors/<code> pages. Codes not listed: 21xxx are parameter errors, the
 * rest fall back to the HTTP status (`kindFromStatus`).
 */
const TWILIO_ERROR_KINDS: Readonly<Record<number, ProviderErrorKind>> = {
  // REST API (2xxxx)
  20003: 'auth', // Authentication Error: wrong AccountSid / AuthToken (HTTP 401)
  20005: 'auth', // Account not active (suspended / closed)
  20404: 'permanent', // Resource not found (e.g. an AccountSid we may not use)
  20429: 'rate_limited', // Too Many Requests (HTTP 429, Retry-After)
  20500: 'transient', // Internal Server Error
  20503: 'transient', // Service Unavailable
  // Invalid recipient: retrying or fixing the request will not help → permanent for that number
  21211: 'permanent', // Invalid 'To' Phone Number
  21408: 'permanent', // Permission to send to this region is not enabled
  21610: 'permanent', // Attempt to send to unsubscribed recipient (STOP)
  21612: 'permanent', // The 'To' number is not currently reachable
  21614: 'permanent', // 'To' number is not a valid mobile number
  // Every other 21xxx is a parameter error (21603/21604 missing From/To, 21617 Body > 1600,
  // 21619 no Body/MediaUrl, 21620 bad MediaUrl, 21655 ContentSid, 21656 ContentVariables…) → invalid_request.
  // WhatsApp channel (63xxx)
  63001: 'auth', // Channel authentication failed (WhatsApp 1005)
  63003: 'permanent', // Channel could not find the To address (WhatsApp 1006/1013/1021)
  63005: 'invalid_request', // Channel did not accept given content (WhatsApp 1000)
  63007: 'auth', // No WhatsApp channel for the From address: our sender is not set up on this account
  63016: 'permanent', // Outside the 24 h window: free-form refused, send a template (WhatsApp 470)
  63017: 'rate_limited', // Account-wide rate limit (2000 MPS)
  63018: 'rate_limited', // Rate limit exceeded for the channel (WhatsApp 429/471/1015)
  63021: 'invalid_request', // Channel invalid content (WhatsApp 1001/408/410)
  63024: 'permanent', // Invalid message recipient (WhatsApp 1026/1002)
  63027: 'invalid_request', // Template does not exist for the language (WhatsApp 2001/2003)
  63028: 'invalid_request', // Template parameter count mismatch (WhatsApp 2000)
  63029: 'invalid_request', // Template parameter format (WhatsApp 2002)
  63030: 'invalid_request', // Unsupported parameter for this channel (WhatsApp 1010)
  63032: 'permanent', // User in a Meta marketing experiment (WhatsApp 472)
  63038: 'permanent', // Account exceeded its daily message limit: a 24 h wait is no retry
  63049: 'permanent', // Meta chose not to deliver this marketing message
  // Delivery (30xxx): arrive asynchronously as ErrorCode of failed/undelivered callbacks
  30001: 'transient', // Queue overflow
  30002: 'auth', // Account suspended
  30003: 'permanent', // Unreachable destination handset
  30004: 'permanent', // Message blocked
  30005: 'permanent', // Unknown destination handset
  30006: 'permanent', // Landline or unreachable carrier
  30007: 'permanent', // Message filtered
  30008: 'transient', // Unknown error
};

/** A code not in the table: a 21xxx is a parameter error; any other is left to the HTTP status. */
function kindOfCode(code: number | undefined): ProviderErrorKind | undefined {
  if (code === undefined) return undefined;
  return TWILIO_ERROR_KINDS[code] ?? (code >= 21000 && code < 22000 ? 'invalid_request' : undefined);
}

/** The kind of a Twilio error code (also for status callbacks' ErrorCode, which come without a status). */
export function twilioErrorKind(code: number | undefined, httpStatus = 400): ProviderErrorKind {
  return kindOfCode(code) ?? kindFromStatus(httpStatus);
}

function waitFor(code: number | undefined, waits: TwilioRateLimitWaits): number {
  if (code === 20429 || code === 63017) return waits.api;
  if (code === 63018) return waits.channel;
  return waits.fallback;
}

/**
 * A Twilio error answer `{code, message, more_info, status}` (`readError` of callProvider), for the
 * Messages API and the Senders API alike: the kind from Twilio's `code`, else the HTTP status.
 */
export function readTwilioError(waits: TwilioRateLimitWaits = DEFAULT_TWILIO_WAITS) {
  return (httpStatus: number, body: unknown): ErrorAnswer => {
    const e = body as Partial<TwilioRestError> | undefined;
    const code = typeof e?.code === 'number' ? e.code : undefined;
    return {
      kind: kindOfCode(code),
      code: code === undefined ? String(httpStatus) : String(code),
      message: typeof e?.message === 'string' ? e.message.slice(0, 300) : `answered HTTP ${httpStatus}`,
      details: typeof e?.more_info === 'string' ? e.more_info : undefined,
      wait: waitFor(code, waits),
    };
  };
}
