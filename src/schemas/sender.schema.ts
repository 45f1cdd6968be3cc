import { z } from 'zod';
import { OFFICIAL_PROVIDERS } from '../providers/official-providers';
import { resourceId } from './common.schema';
import { listPage, pageQuery } from './list-page.schema';
import { phoneNumber } from './message.schema';

const metaSender = z.strictObject({
  id: resourceId.optional(),
  provider: z.literal('meta'),
  phoneNumberId: z.string().regex(/^\d{5,30}$/, 'must be a Meta phone number id (digits)'),
  wabaId: z.string().regex(/^\d{5,30}$/, 'must be a WhatsApp Business Account id (digits)'),
  displayPhoneNumber: phoneNumber,
  accessToken: z.string().min(20).max(1024).regex(/^\S+$/, 'must not contain spaces'),
});

/** A Twilio WhatsApp sender the tenant already has (its inbound and status webhooks point at /webhooks/twilio). */
const twilioSender = z.strictObject({
  id: resourceId.optional(),
  provider: z.literal('twilio'),
  phoneNumber,
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'must be a Twilio account SID (AC + 32 hex digits)'),
  authToken: z.string().regex(/^[0-9a-f]{32}$/, 'must be a Twilio auth token (32 hex digits)'),
});

/**
 * `POST /v1/senders`: register an existing number — a Meta Cloud API number or a Twilio WhatsApp
 * sender, named by `provider` (required, as the OpenAPI document says). 360dialog numbers come
 * through an onboarding, which also points their webhook at us.
 */
export const registerSenderBody = z.discriminatedUnion('provider', [metaSender, twilioSender], {
  error: (issue) => (issue.code === 'invalid_union' ? "must be 'meta' or 'twilio'" : undefined),
});
export type RegisterSenderBody = z.output<typeof registerSenderBody>;

export const listSendersQuery = z.strictObject({ ...pageQuery });

/** A sender as POST answers and GET lists it (OpenAPI only: built by the repository's view). */
export const senderResponse = z
  .object({
    id: z.string(),
    provider: z.enum(OFFICIAL_PROVIDERS),
    phoneNumberId: z.string().nullable(),
    wabaId: z.string().nullable(),
    displayPhoneNumber: z.string(),
    accountId: z.string().nullable().meta({ description: '360dialog channel id or Twilio account SID' }),
    onboardingId: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Sender' });

export const senderList = listPage(senderResponse);
