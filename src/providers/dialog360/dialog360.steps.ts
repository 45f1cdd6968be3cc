import type { OnboardingStepName } from '../../domain/onboarding';

/**
 * 360dialog's Integrated Onboarding as a saga: the channel the client granted, an API key for it,
 * its webhook, the sender. Pure data (the workflow bundle loads it through
 * src/providers/onboarding-steps.ts): no imports but types.
 */
export const DIALOG360_ONBOARDING_STEPS = [
  'fetch_channel',
  'create_api_key',
  'configure_webhook',
  'store_sender',
] as const satisfies readonly OnboardingStepName[];
