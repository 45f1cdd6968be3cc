import { OnboardingSaga } from './onboarding-saga';
import type { OnboardingResult, OnboardingWorkflowInput } from './onboarding.definitions';

/**
 * One onboarding (`onboarding:<tenant>:<id>`) as a saga: the provider's steps in order, each an
 * activity with retries; when one fails for good, the completed steps are undone in reverse (even
 * when the workflow is cancelled) and the onboarding ends `failed`, naming the step and the
 * provider's error. Progress goes to `whatsapp_onboardings` through local activities. See
 * OnboardingSaga (onboarding-saga.ts) for the steps, the compensations and Twilio's wait for ONLINE.
 */
export async function onboardingWorkflow(input: OnboardingWorkflowInput): Promise<OnboardingResult> {
  return new OnboardingSaga(input).run();
}
