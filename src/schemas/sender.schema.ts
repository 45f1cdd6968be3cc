import { z } from 'zod';
import { resourceId } from './common.schema';
import { phoneNumber } from './message.schema';

/** `POST /v1/senders`: register an existing Meta Cloud API number (onboarding comes with its own issue). */
export const registerSenderBody = z.strictObject({
  id: resourceId.optional(),
  provider: z.literal('meta').default('meta'),
  phoneNumberId: z.string().regex(/^\d{5,30}$/, 'must be a Meta phone number id (digits)'),
  wabaId: z.string().regex(/^\d{5,30}$/, 'must be a WhatsApp Business Account id (digits)'),
  displayPhoneNumber: phoneNumber,
  accessToken: z.string().min(20).max(1024).regex(/^\S+$/, 'must not contain spaces'),
});
