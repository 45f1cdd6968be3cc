import type { TwilioOnboardingRequest } from './twilio-onboarding.schema';
import type { ProviderDescriptor, SenderCredentialsPort } from '../descriptor';
import {
  createTwilioSendersClient,
  type TwilioAccount,
  type TwilioSendersClient,
} from './twilio-senders.client';
import { createTwilioMessagingProvider, type TwilioAdapterConfig } from './twilio.adapter';
import { twilioOfficial } from './twilio.official';
import { twilioSettings, type TwilioSettings } from './twilio.settings';

/** What Twilio reads: its settings, and our public URL (each send's StatusCallback is on it). */
export type TwilioEnv = TwilioSettings & { PUBLIC_BASE_URL: string };

/** A Twilio sender's account SID, auth token and number. */
export function twilioCredentialsFrom(
  senders: Pick<SenderCredentialsPort, 'withCredentials'>,
): TwilioAdapterConfig['credentials'] {
  return async (tenantId, senderId) => {
    const found = await senders.withCredentials(tenantId, senderId);
    if (found?.credentials.provider !== 'twilio') return null;
    const { accountSid, authToken } = found.credentials;
    return { accountSid, authToken, fromDigits: found.sender.displayPhoneNumber.replace(/\D/g, '') };
  };
}

/** The default id of a Twilio sender: by its number. */
export const twilioSenderId = (phoneNumber: string) => `twilio-${phoneNumber}`;

/** A Twilio account is configured on the server (onboardings without their own use it). */
export const hasTwilioAccount = (env: TwilioEnv) => !!(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN);

/** Twilio's Senders API client, always; `account` = the server's account, used when a request names none. */
export interface TwilioOnboardingClients {
  twilio: { client: TwilioSendersClient; account?: TwilioAccount };
}

/** Twilio Programmable Messaging, onboarded through its Senders API (with the request's account or ours). */
export const twilioProvider: ProviderDescriptor<
  TwilioEnv,
  TwilioOnboardingRequest,
  typeof twilioSettings,
  TwilioOnboardingClients
> = {
  name: twilioOfficial.name,
  official: twilioOfficial,
  settings: twilioSettings,
  rate: (env) => ({ ratePerSec: env.RATE_LIMIT_TWILIO_PER_SECOND, burst: env.RATE_LIMIT_TWILIO_BURST }),
  messaging: (env, ports) =>
    createTwilioMessagingProvider({
      baseUrl: env.TWILIO_API_BASE_URL,
      timeoutMs: env.TWILIO_TIMEOUT_MS,
      publicBaseUrl: env.PUBLIC_BASE_URL,
      credentials: twilioCredentialsFrom(ports.senders),
    }),
  onboarding: {
    steps: twilioOfficial.steps,
    // Always: a request may bring its own account (the refusal checks that).
    available: () => true,
    refusal: (req, a) =>
      req.accountSid || a.twilioAccount
        ? null
        : 'Twilio onboarding needs accountSid and authToken, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN on the server',
    facts: (req) => ({
      wabaId: req.wabaId,
      phoneNumber: req.phoneNumber,
      verificationMethod: req.verificationMethod,
      accountSid: req.accountSid,
    }),
    secrets: (req) => ({ authToken: req.authToken }),
    defaultSenderId: (req) => twilioSenderId(req.phoneNumber),
    routingKey: (req, serverAccountSid) => {
      const accountSid = req.accountSid ?? serverAccountSid;
      return accountSid ? twilioOfficial.routingKey({ accountSid, phoneNumber: req.phoneNumber }) : null;
    },
    credentials: (from) => ({ provider: 'twilio', ...from.twilioAccount() }),
    clients: (env) => ({
      twilio: {
        client: createTwilioSendersClient({
          baseUrl: env.TWILIO_MESSAGING_BASE_URL,
          timeoutMs: env.TWILIO_TIMEOUT_MS,
        }),
        ...(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
          ? { account: { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN } }
          : {}),
      },
    }),
  },
  ownership: (env) => ({
    twilio: createTwilioSendersClient({
      baseUrl: env.TWILIO_MESSAGING_BASE_URL,
      timeoutMs: env.TWILIO_TIMEOUT_MS,
    }),
  }),
};
