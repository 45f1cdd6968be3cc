// Short explanations of the providers' common error codes, shown beside a failed message's error.
// Meta: https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
// (360dialog relays Meta's codes); Twilio: https://www.twilio.com/docs/api/errors (the 63xxx codes
// are WhatsApp's, mapped in https://www.twilio.com/docs/whatsapp/api/error-code-mapping).

const META = {
  100: 'Invalid parameter: the request had a field Meta does not accept or a value it cannot use.',
  190: 'The access token has expired or was revoked: renew the sender’s token (onboard it again).',
  368: 'The number is temporarily blocked for policy violations: see the account’s alerts.',
  80007: 'The WhatsApp Business Account reached its rate limit: wait, then retry.',
  130429: 'Throughput reached: more messages per second than the number is allowed. Retry later.',
  131000: 'Something went wrong at Meta with no further detail: retrying usually works.',
  131026:
    'Undeliverable: the number is not on WhatsApp, has not accepted the latest terms, or runs an old app version.',
  131047: 'More than 24 hours since the customer last wrote: only a template can be sent now.',
  131049:
    'Meta chose not to deliver it, to keep engagement healthy (too many marketing messages to this user).',
  131056: 'Too many messages to this same number in a short time: wait before sending it another.',
  132000: 'The number of template parameters does not match the template’s placeholders.',
  132001: 'No such template in this language, or it is not approved yet.',
};

const TWILIO = {
  21211: 'The “To” number is not a valid phone number.',
  63003: 'WhatsApp could not reach that address: the number is probably not on WhatsApp.',
  63016: 'Outside the 24-hour window: a free-form message cannot be sent now, only a template.',
  63018: 'Rate limit exceeded for the WhatsApp channel: sending too fast. Retry later.',
};

/** What a provider's error code means, or null when it is not one of the common ones. */
export function explainError(provider, code) {
  if (code === null || code === undefined) return null;
  const c = String(code);
  if (provider === 'twilio') return TWILIO[c] || null;
  if (provider === 'meta' || provider === '360dialog') return META[c] || null;
  return META[c] || TWILIO[c] || null;
}
