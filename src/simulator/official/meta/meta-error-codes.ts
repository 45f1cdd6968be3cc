import type { InjectedFault } from './meta-graph.fake';

/**
 * Graph errors the Meta simulator answers on request (`POST /_sim/fail-next {code}`), with the HTTP
 * status and text Meta gives them (reference/official-platform.md A2; the OpenAPI examples where it
 * has one: 4 → 429, 2 → 500, 190 → 401/463, 200 → 403/1349174). Meta answers most business
 * errors with 400, so an unlisted code gets 400; `httpStatus` in the request overrides any of them.
 */
const CODES: Record<
  number,
  { http: number; message: string; details?: string; subcode?: number; transient?: boolean }
> = {
  1: { http: 500, message: 'An unknown error occurred', transient: true },
  2: { http: 500, message: 'Service temporarily unavailable', transient: true },
  4: { http: 429, message: '(#4) Application request limit reached', subcode: 2446079, transient: true },
  10: { http: 403, message: '(#10) Application does not have permission for this action' },
  100: { http: 400, message: '(#100) Invalid parameter' },
  190: { http: 401, message: 'Error validating access token: Session has expired.', subcode: 463 },
  200: { http: 403, message: "Your app doesn't have permission to access this resource", subcode: 1349174 },
  368: { http: 400, message: 'Temporarily blocked for policies violations' },
  80007: { http: 429, message: '(#80007) Rate limit issues' },
  130429: {
    http: 429,
    message: '(#130429) Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
  },
  131000: {
    http: 500,
    message: '(#131000) Something went wrong',
    details: 'Message failed to send due to an unknown error.',
    transient: true,
  },
  131005: { http: 403, message: '(#131005) Access denied' },
  131008: { http: 400, message: '(#131008) Required parameter is missing' },
  131009: { http: 400, message: '(#131009) Parameter value is not valid' },
  131016: { http: 503, message: '(#131016) Service unavailable', transient: true },
  131021: { http: 400, message: '(#131021) Recipient cannot be sender' },
  131026: {
    http: 400,
    message: '(#131026) Message undeliverable',
    details:
      "Message failed to send because the recipient's phone number is not on WhatsApp, or they have not accepted the latest Terms of Service.",
  },
  131031: { http: 403, message: '(#131031) Business account has been locked' },
  131042: { http: 400, message: '(#131042) Business eligibility payment issue' },
  131047: {
    http: 400,
    message: '(#131047) Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  131048: {
    http: 400,
    message: '(#131048) Spam rate limit hit',
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
  },
  131049: {
    http: 400,
    message: '(#131049) Meta chose not to deliver',
    details: 'This message was not delivered to maintain healthy ecosystem engagement.',
  },
  131050: {
    http: 400,
    message: '(#131050) User has stopped marketing messages',
    details:
      'Unable to deliver the message: the user has chosen not to receive marketing messages from this business.',
  },
  131051: { http: 400, message: '(#131051) Unsupported message type' },
  131056: {
    http: 400,
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
  131057: { http: 503, message: '(#131057) Account in maintenance mode', transient: true },
  132000: { http: 400, message: '(#132000) Number of parameters does not match the expected number' },
  132001: {
    http: 404,
    message: '(#132001) Template name does not exist in the translation',
    details: 'The template does not exist in the specified language or has not been approved.',
  },
  132015: { http: 400, message: '(#132015) Template is paused' },
  132016: { http: 400, message: '(#132016) Template is disabled' },
  133010: {
    http: 400,
    message: '(#133010) Phone number not registered',
    details: 'The phone number is not registered on the WhatsApp Business Platform.',
  },
  135000: { http: 400, message: '(#135000) Generic user error' },
};

export interface RequestedError {
  code: number;
  subcode?: number;
  httpStatus?: number;
  message?: string;
  retryAfter?: string;
}

/** The synchronous answer: Graph's `{error:{…}}` with the code's status and text. */
export function metaFault(r: RequestedError): InjectedFault {
  const known = CODES[r.code];
  return {
    httpStatus: r.httpStatus ?? known?.http ?? 400,
    code: r.code,
    subcode: r.subcode ?? known?.subcode,
    message: r.message ?? known?.message ?? `(#${r.code}) Simulated error`,
    details: known?.details,
    retryAfter: r.retryAfter,
    isTransient: known?.transient ?? false,
  };
}

/** The asynchronous answer: an `errors[]` entry of a `failed` status webhook (OpenAPI `StatusError`). */
export function metaStatusError(r: RequestedError) {
  const title = (r.message ?? CODES[r.code]?.message ?? 'Simulated error').replace(/^\(#\d+\) /, '');
  return {
    code: r.code,
    title,
    message: title,
    error_data: { details: CODES[r.code]?.details ?? title },
    href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
  };
}
