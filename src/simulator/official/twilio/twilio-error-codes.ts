/**
 * Twilio error codes the simulator answers on request (reference/official-platform.md C: the
 * Messages API's `{code, message, more_info, status}` and the WhatsApp failures status callbacks
 * report as `ErrorCode`). An unlisted code gets 400; the request's `httpStatus` overrides.
 */
const CODES: Record<number, { http: number; message: string }> = {
  20003: { http: 401, message: 'Authenticate' },
  20429: { http: 429, message: 'Too Many Requests' },
  20500: { http: 500, message: 'Internal Server Error' },
  20503: { http: 503, message: 'Service Unavailable' },
  21211: { http: 400, message: "Invalid 'To' Phone Number" },
  21408: { http: 400, message: 'Permission to send an SMS or MMS has not been enabled for the region' },
  21610: { http: 400, message: 'Attempt to send to unsubscribed recipient' },
  63003: { http: 400, message: 'Channel could not find To address' },
  63007: { http: 400, message: 'Twilio could not find a Channel with the specified From address' },
  63016: {
    http: 400,
    message:
      'Failed to send freeform message because you are outside the allowed window. Please use a Template.',
  },
  63018: { http: 429, message: 'Rate limit exceeded for Channel' },
  63024: { http: 400, message: 'Invalid message recipient' },
  63027: { http: 400, message: 'Template does not exist for a language and locale' },
  63028: {
    http: 400,
    message: 'Number of parameters provided does not match the expected number of parameters',
  },
  63032: { http: 400, message: 'We cannot send this message to this user because of a WhatsApp limitation' },
  63049: { http: 400, message: 'Meta chose not to deliver this WhatsApp marketing message' },
};

export const twilioErrorHttp = (code: number) => CODES[code]?.http ?? 400;
export const twilioErrorMessage = (code: number) => CODES[code]?.message ?? `Error ${code}`;
