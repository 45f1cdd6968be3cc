import type { OfficialProvider } from '../domain/official-sender';
import type { OnboardingStepName } from '../domain/onboarding';
import { DIALOG360_ONBOARDING_STEPS } from './dialog360/dialog360.steps';
import { META_ONBOARDING_STEPS } from './meta/meta.steps';
import { TWILIO_ONBOARDING_STEPS } from './twilio/twilio.steps';

/**
 * Each official provider's onboarding steps, in order, as the onboarding workflow reads them: the
 * lists in the providers' folders (their descriptors carry the same). The one file of
 * src/providers a workflow may import (eslint.config.mjs): pure data, no I/O, so the workflow
 * bundle can load it where it cannot load the registry.
 */
export const ONBOARDING_STEPS = {
  meta: META_ONBOARDING_STEPS,
  '360dialog': DIALOG360_ONBOARDING_STEPS,
  twilio: TWILIO_ONBOARDING_STEPS,
} as const satisfies Record<OfficialProvider, readonly OnboardingStepName[]>;
