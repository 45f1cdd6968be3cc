import type { OnboardingStepName } from '../../domain/onboarding';

/**
 * Meta Embedded Signup as a saga: exchange the code, find the WABA and number, subscribe our app,
 * register the number, store the sender. Pure data (the workflow bundle loads it through
 * src/providers/onboarding-steps.ts): no imports but types.
 */
export const META_ONBOARDING_STEPS = [
  'exchange_code',
  'resolve_ids',
  'subscribe_app',
  'register_phone',
  'store_sender',
] as const satisfies readonly OnboardingStepName[];
