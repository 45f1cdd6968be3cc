import { z } from 'zod';
import { ONBOARDING_STATUSES, STEP_STATUSES } from '../domain/onboarding';
import { OFFICIAL_PROVIDERS } from '../domain/official-sender';
import { resourceId } from './common.schema';
import { listPage, pageQuery } from './list-page.schema';
import { phoneNumber } from './message.schema';

const metaId = (what: string) => z.string().regex(/^\d{5,30}$/, `must be a ${what} (digits)`);
const noSpaces = (min: number, max: number) =>
  z.string().min(min).max(max).regex(/^\S+$/, 'must not contain spaces');
const channelId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must match ^[A-Za-z0-9_-]{1,40}$');

/**
 * `POST /v1/onboardings`, one shape per provider (discriminated on `provider`). Secrets (code,
 * pin, authToken) are sealed before the workflow starts and never returned.
 */
export const createOnboardingBody = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('meta'),
    senderId: resourceId.optional(),
    /** From FB.login's authResponse.code (Embedded Signup). */
    code: noSpaces(1, 2048),
    /** From the WA_EMBEDDED_SIGNUP FINISH event; found with debug_token when absent. */
    wabaId: metaId('WhatsApp Business Account id').optional(),
    phoneNumberId: metaId('Meta phone number id').optional(),
    /** The two-step verification PIN the number is registered with. */
    pin: z.string().regex(/^\d{6}$/, 'must be 6 digits'),
  }),
  z.strictObject({
    provider: z.literal('360dialog'),
    senderId: resourceId.optional(),
    /** From 360dialog's redirect `?client=…&channels=[…]`: the channel must belong to that client. */
    channelId,
    clientId: channelId,
    /** The nonce `POST /v1/onboardings/360dialog/state` issued when the signup page opened the Hub. */
    state: z
      .string()
      .regex(
        /^st_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/,
        'must be the state issued by POST /v1/onboardings/360dialog/state',
      ),
  }),
  z
    .strictObject({
      provider: z.literal('twilio'),
      senderId: resourceId.optional(),
      wabaId: metaId('WhatsApp Business Account id'),
      phoneNumber,
      verificationMethod: z.enum(['sms', 'voice']).default('sms'),
      /** A (sub)account of the tenant's; absent = the account configured on the server. */
      accountSid: z
        .string()
        .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
        .optional(),
      authToken: noSpaces(16, 128).optional(),
    })
    .refine((b) => (b.accountSid === undefined) === (b.authToken === undefined), {
      path: ['authToken'],
      message: 'accountSid and authToken go together',
    }),
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
