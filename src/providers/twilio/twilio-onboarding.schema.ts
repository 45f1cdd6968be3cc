import { z } from 'zod';
import { digitsId, noSpaces, resourceId } from '../../schemas/common.schema';
import { phoneNumber } from '../../schemas/message.schema';

/** `POST /v1/onboardings` for Twilio: a number on a WABA, with the tenant's account or ours (one member of the union). */
export const twilioOnboardingBody = z
  .strictObject({
    provider: z.literal('twilio'),
    senderId: resourceId.optional(),
    wabaId: digitsId('WhatsApp Business Account id'),
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
  });

export type TwilioOnboardingRequest = z.output<typeof twilioOnboardingBody>;
