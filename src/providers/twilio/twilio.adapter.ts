import { ProviderError } from '../errors';
import type { MessagingProvider, OutboundMessage, SendResult } from '../types';
import { DEFAULT_TWILIO_WAITS, readTwilioError, TWILIO, type TwilioRateLimitWaits } from './twilio.errors';
import { encodeTwilioForm, toTwilioForm, TWILIO_SUPPORTED_TYPES } from './twilio.mapper';
import type { TwilioCredentials, TwilioMessageResource } from './twilio.types';
import { callProvider } from '../http/call';
import { providerHttpClient } from '../http/client';

export interface TwilioAdapterConfig {
  /** e.g. https://api.twilio.com (a fake on loopback in tests). */
  baseUrl: string;
  timeoutMs: number;
  /** Our public base URL: each send's StatusCallback is `${publicBaseUrl}/webhooks/twilio?ref=…` (a function: read per send). */
  publicBaseUrl: string | (() => string);
  waits?: TwilioRateLimitWaits;
  /** The sender's account, auth token (opened) and number, or null when it is not a Twilio sender. */
  credentials(tenantId: string, senderId: string): Promise<TwilioCredentials | null>;
}

/** Where Twilio reports this message's statuses; the webhook finds the message by `ref` (no lookup by SID needed). */
function twilioStatusCallbackUrl(publicBaseUrl: string, tenantId: string, messageId: string): string {
  const ref = `${encodeURIComponent(tenantId)}:${encodeURIComponent(messageId)}`;
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/twilio?ref=${ref}`;
}

/**
 * Twilio Programmable Messaging for WhatsApp senders: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * HTTP Basic `AccountSid:AuthToken`, form-encoded (see twilio.mapper.ts for what each type becomes);
 * 201 → the `SM…` sid. Errors are classified by Twilio's code (readTwilioError).
 */
export function createTwilioMessagingProvider(config: TwilioAdapterConfig): MessagingProvider {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const readError = readTwilioError(config.waits ?? DEFAULT_TWILIO_WAITS);

  return {
    name: TWILIO,
    supportedTypes: TWILIO_SUPPORTED_TYPES,
    async send(msg: OutboundMessage): Promise<SendResult> {
      const creds = await config.credentials(msg.tenantId, msg.senderId);
      if (!creds)
        throw new ProviderError('auth', `No Twilio credentials for sender ${msg.senderId}`, {
          provider: TWILIO,
        });
      const form = toTwilioForm(
        msg,
        creds.fromDigits,
        twilioStatusCallbackUrl(
          typeof config.publicBaseUrl === 'function' ? config.publicBaseUrl() : config.publicBaseUrl,
          msg.tenantId,
          msg.messageId,
        ),
      );
      const basic = Buffer.from(`${creds.accountSid}:${creds.authToken}`, 'utf8').toString('base64');
      const res = await callProvider<Partial<TwilioMessageResource> | undefined>({
        provider: TWILIO,
        label: 'Twilio',
        secrets: [creds.authToken, basic],
        send: () =>
          http.post(
            `/2010-04-01/Accounts/${encodeURIComponent(creds.accountSid)}/Messages.json`,
            encodeTwilioForm(form),
            {
              headers: {
                Authorization: `Basic ${basic}`,
                'Content-Type': 'application/x-www-form-urlencoded',
                Accept: 'application/json',
              },
            },
          ),
        readError,
      });
      const sid = res.data?.sid;
      if (typeof sid !== 'string' || sid === '')
        throw new ProviderError('transient', 'Twilio answered 2xx without a message sid', {
          provider: TWILIO,
          httpStatus: res.status,
        });
      return { providerMessageId: sid };
    },
  };
}
