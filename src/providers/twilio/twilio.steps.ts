import type { OnboardingStepName } from '../../domain/onboarding';

/**
 * Twilio's Senders API as a saga: create the sender, wait until it is ONLINE (verification code
 * included), store the sender. Pure data (the workflow bundle loads it through
 * src/providers/onboarding-steps.ts): no imports but types.
 */
export const TWILIO_ONBOARDING_STEPS = [
  'create_sender',
  'await_online',
  'store_sender',
] as const satisfies readonly OnboardingStepName[];
