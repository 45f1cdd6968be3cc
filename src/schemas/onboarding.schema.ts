import { z } from 'zod';
import { ONBOARDING_STATUSES, STEP_STATUSES } from '../domain/onboarding';
import { OFFICIAL_PROVIDERS } from '../providers/official-providers';
import { dialog360OnboardingBody } from '../providers/dialog360/dialog360-onboarding.schema';
import { metaOnboardingBody } from '../providers/meta/meta-onboarding.schema';
import { twilioOnboardingBody } from '../providers/twilio/twilio-onboarding.schema';
import { listPage, pageQuery } from './list-page.schema';

/**
 * `POST /v1/onboardings`, one shape per provider (discriminated on `provider`), each in its
 * provider's folder. Secrets (code, pin, authToken) are sealed before the workflow starts and
 * never returned.
 */
export const createOnboardingBody = z.discriminatedUnion('provider', [
  metaOnboardingBody,
  dialog360OnboardingBody,
  twilioOnboardingBody,
]);

export type CreateOnboardingRequest = z.output<typeof createOnboardingBody>;

export const onboardingParams = z.strictObject({
  id: z.string().regex(/^onb_[A-Za-z0-9_-]{1,60}$/, 'must be an onboarding id (onb_…)'),
});

/** `POST /v1/onboardings/:id/verification`: the OTP Twilio sent to the number (sealed at once, never returned). */
export const verificationCodeBody = z.strictObject({
  code: z.string().regex(/^\d{4,10}$/, 'must be 4 to 10 digits'),
});

export const listOnboardingsQuery = z.strictObject({ ...pageQuery });

const stepError = z.object({ code: z.string(), message: z.string(), providerCode: z.string().optional() });

/** The onboarding as GET answers it (OpenAPI only: built by onboardingView). */
export const onboardingResponse = z
  .object({
    id: z.string(),
    provider: z.enum(OFFICIAL_PROVIDERS),
    senderId: z.string(),
    status: z.enum(ONBOARDING_STATUSES),
    steps: z.array(
      z.object({
        name: z.string(),
        status: z.enum(STEP_STATUSES),
        startedAt: z.iso.datetime().optional(),
        finishedAt: z.iso.datetime().optional(),
        attempts: z.number().int().optional(),
        error: stepError.optional(),
      }),
    ),
    failure: z
      .object({
        step: z.string(),
        code: z.string(),
        message: z.string(),
        provider: z.enum(OFFICIAL_PROVIDERS),
        providerCode: z.string().optional(),
      })
      .nullable(),
    /** Present while the onboarding waits for the caller: `verification_code` (Twilio OTP). */
    awaiting: z.enum(['verification_code']).optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Onboarding' });

export const onboardingList = listPage(onboardingResponse);
