import { defineSignal } from '@temporalio/workflow';
import type { OfficialProvider } from '../src/providers/official-providers';
import type { OnboardingFailure, OnboardingRequestFacts } from '../src/domain/onboarding';

/** Input and result of the onboarding workflow, shared with the API that starts it. */

export interface OnboardingSettings {
  /** startToClose of one provider call attempt. */
  stepTimeoutMs: number;
  /** Attempts of one step (exponential backoff from retryInitialMs, capped at retryMaxMs). */
  stepMaxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Meta Embedded Signup code lifetime: the exchange is never retried past it (scheduleToClose). */
  codeValidityMs: number;
  /**
   * The Meta client's HTTP timeout (META_TIMEOUT_MS): an exchange attempt lasts longer, so one that
   * times out has no call left in flight that may spend the code after the next attempt began.
   * Absent in onboardings started before it existed (their attempts last stepTimeoutMs).
   */
  exchangeCallTimeoutMs?: number;
  /** Twilio: how long a new sender may take to come ONLINE, and the wait between polls. */
  twilioOnlineTimeoutMs: number;
  twilioPollMs: number;
}

/**
 * Secrets of the request, sealed by the API before the start (SecretBox, aad from
 * onboardingSecretAad): history only ever holds ciphertext. The first activity moves them into
 * the onboarding's document; provider steps read them from there.
 */
export interface SealedRequestSecrets {
  code?: string;
  pin?: string;
  authToken?: string;
}

export interface OnboardingWorkflowInput {
  tenantId: string;
  onboardingId: string;
  provider: OfficialProvider;
  senderId: string;
  request: OnboardingRequestFacts;
  sealed: SealedRequestSecrets;
  idempotencyKey: string | null;
  /** Hash of the non-secret request fields (an Idempotency-Key replay with another body is refused). */
  requestHash: string;
  createdAt: string;
  settings: OnboardingSettings;
}

export interface OnboardingResult {
  status: 'ready' | 'failed';
  failure: OnboardingFailure | null;
}

/**
 * Twilio: the OTP Twilio sent to the number, as the ISV submitted it (POST
 * /v1/onboardings/:id/verification), sealed by the API (aad onboardingSecretAad(…, 'verificationCode')):
 * history only ever holds the ciphertext. Taken into account while `await_online` polls.
 */
export const twilioVerificationCodeSignal = defineSignal<[{ sealedCode: string }]>('twilioVerificationCode');

/** ApplicationFailure types raised by onboarding activities and the workflow (beside FailureTypes). */
export const OnboardingFailureTypes = {
  senderExists: 'OnboardingSenderExists',
  notFound: 'OnboardingNotFound',
  exchangeInFlight: 'OnboardingExchangeInFlight',
  /** Meta says the code has been used after an earlier attempt of ours called with it: its answer was lost. */
  codeSpent: 'OnboardingCodeSpent',
  senderOffline: 'OnboardingSenderOffline',
  onlineTimeout: 'OnboardingOnlineTimeout',
  notConfigured: 'OnboardingNotConfigured',
  /** The number is another tenant's sender (issue 15): nothing at the provider is undone. */
  routingKeyTaken: 'OnboardingRoutingKeyTaken',
} as const;

/** Details carried by the non-provider failures above (the provider ones carry ProviderFailureDetails). */
export interface OnboardingFailureDetails {
  code: string;
  providerCode?: string;
}

const PROVIDER_FAILURE_CODES: Record<string, string> = {
  ProviderTransient: 'provider_unavailable',
  ProviderRateLimited: 'provider_rate_limited',
  ProviderAuth: 'provider_auth',
  ProviderInvalidRequest: 'provider_rejected',
  ProviderPermanent: 'provider_error',
};

/**
 * Our code and the provider's for a failure of type `type` (FailureTypes or OnboardingFailureTypes)
 * with its first detail: provider failures carry ProviderFailureDetails (`code` = the provider's),
 * onboarding failures OnboardingFailureDetails (`code` = ours).
 */
export function codesOf(
  type: string | undefined,
  detail: { code?: string; providerCode?: string } | undefined,
): { code: string; providerCode?: string } {
  const mapped = type === undefined ? undefined : PROVIDER_FAILURE_CODES[type];
  const providerCode = mapped ? detail?.code : detail?.providerCode;
  return {
    code: mapped ?? detail?.code ?? 'step_failed',
    ...(providerCode ? { providerCode } : {}),
  };
}
