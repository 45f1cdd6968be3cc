import { createSenderOwnershipVerifier, type SenderOwnershipVerifier } from '../providers/sender-ownership';
import type { Config } from '../config/env';
import type { OnboardingSettings } from '../../workflows/onboarding.definitions';
import { createProviderRegistry } from '../providers/registry';

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

/**
 * The ownership checks of `POST /v1/senders` (issue 15), on the same hosts as messaging and
 * onboarding: each provider's client from its descriptor (ProviderRegistry.ownershipClients).
 */
export function senderOwnershipVerifierFrom(c: Config): SenderOwnershipVerifier {
  return createSenderOwnershipVerifier(createProviderRegistry(c).ownershipClients());
}
