import { z } from 'zod';
import { digitsId, noSpaces, resourceId } from '../../schemas/common.schema';

/** `POST /v1/onboardings` for Meta: what Embedded Signup hands the page (one member of the union). */
export const metaOnboardingBody = z.strictObject({
  provider: z.literal('meta'),
  senderId: resourceId.optional(),
  /** From FB.login's authResponse.code (Embedded Signup). */
  code: noSpaces(1, 2048),
  /** From the WA_EMBEDDED_SIGNUP FINISH event; found with debug_token when absent. */
  wabaId: digitsId('WhatsApp Business Account id').optional(),
  phoneNumberId: digitsId('Meta phone number id').optional(),
  /** The two-step verification PIN the number is registered with. */
  pin: z.string().regex(/^\d{6}$/, 'must be 6 digits'),
});

export type MetaOnboardingRequest = z.output<typeof metaOnboardingBody>;
