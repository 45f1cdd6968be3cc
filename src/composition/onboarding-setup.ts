import { createMetaOwnershipClient } from '../providers/meta/meta-ownership.client';
import { createSenderOwnershipVerifier, type SenderOwnershipVerifier } from '../providers/sender-ownership';
import type { Config } from '../config/env';
import type { OnboardingSettings } from '../../workflows/onboarding.definitions';
import {
  createDialog360PartnerClient,
  type Dialog360PartnerClient,
} from '../providers/dialog360/dialog360-partner.client';
import {
  createMetaOnboardingClient,
  type MetaOnboardingClient,
} from '../providers/meta/meta-onboarding.client';
import {
  createTwilioSendersClient,
  type TwilioAccount,
  type TwilioSendersClient,
} from '../providers/twilio/twilio-senders.client';

/** Onboarding pieces built from config, shared by the API and worker composition roots. */
export function onboardingSettingsFrom(c: Config): OnboardingSettings {
  return {
    stepTimeoutMs: c.ONBOARDING_STEP_TIMEOUT_MS,
    stepMaxAttempts: c.ONBOARDING_STEP_MAX_ATTEMPTS,
    retryInitialMs: c.ONBOARDING_RETRY_INITIAL_MS,
    retryMaxMs: Math.max(c.ONBOARDING_RETRY_MAX_MS, c.ONBOARDING_RETRY_INITIAL_MS),
    codeValidityMs: c.META_ES_CODE_VALIDITY_MS,
    exchangeCallTimeoutMs: c.META_TIMEOUT_MS,
    twilioOnlineTimeoutMs: c.ONBOARDING_TWILIO_ONLINE_TIMEOUT_MS,
    twilioPollMs: c.ONBOARDING_TWILIO_POLL_MS,
  };
}

export interface OnboardingClients {
  meta?: { client: MetaOnboardingClient; callTimeoutMs: number };
  dialog360?: { client: Dialog360PartnerClient };
  twilio: { client: TwilioSendersClient; account?: TwilioAccount };
}

/** The provider clients the worker's onboarding activities call (absent = provider not configured). */
export function onboardingClientsFrom(c: Config): OnboardingClients {
  return {
    ...(c.META_APP_ID && c.META_APP_SECRET
      ? {
          meta: {
            client: createMetaOnboardingClient({
              baseUrl: c.META_GRAPH_BASE_URL,
              apiVersion: c.META_GRAPH_API_VERSION,
              timeoutMs: c.META_TIMEOUT_MS,
              appId: c.META_APP_ID,
              appSecret: c.META_APP_SECRET,
            }),
            callTimeoutMs: c.META_TIMEOUT_MS,
          },
        }
      : {}),
    ...(c.DIALOG360_PARTNER_ID && c.DIALOG360_PARTNER_API_KEY
      ? {
          dialog360: {
            client: createDialog360PartnerClient({
              partnerBaseUrl: c.DIALOG360_PARTNER_BASE_URL,
              partnerId: c.DIALOG360_PARTNER_ID,
              partnerApiKey: c.DIALOG360_PARTNER_API_KEY,
              messagingBaseUrl: c.DIALOG360_BASE_URL,
              timeoutMs: c.DIALOG360_TIMEOUT_MS,
            }),
          },
        }
      : {}),
    twilio: {
      client: createTwilioSendersClient({
        baseUrl: c.TWILIO_MESSAGING_BASE_URL,
        timeoutMs: c.TWILIO_TIMEOUT_MS,
      }),
      ...(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN
        ? { account: { accountSid: c.TWILIO_ACCOUNT_SID, authToken: c.TWILIO_AUTH_TOKEN } }
        : {}),
    },
  };
}

/** The ownership checks of `POST /v1/senders` (issue 15), on the same hosts as messaging and onboarding. */
export function senderOwnershipVerifierFrom(c: Config): SenderOwnershipVerifier {
  return createSenderOwnershipVerifier({
    meta: createMetaOwnershipClient({
      baseUrl: c.META_GRAPH_BASE_URL,
      apiVersion: c.META_GRAPH_API_VERSION,
      timeoutMs: c.META_TIMEOUT_MS,
    }),
    twilio: createTwilioSendersClient({
      baseUrl: c.TWILIO_MESSAGING_BASE_URL,
      timeoutMs: c.TWILIO_TIMEOUT_MS,
    }),
  });
}
