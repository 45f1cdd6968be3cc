import { createMetaOwnershipClient } from '../providers/meta/meta-ownership.client';
import { createSenderOwnershipVerifier, type SenderOwnershipVerifier } from '../providers/sender-ownership';
import type { Config } from '../config/env';
import type { OnboardingSettings } from '../../workflows/onboarding.definitions';
import { createTwilioSendersClient } from '../providers/twilio/twilio-senders.client';

/**
 * Onboarding pieces built from config, shared by the API and worker composition roots. The
 * providers' onboarding clients come from their descriptors (ProviderRegistry.onboardingClients).
 */
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
