import { z } from 'zod';
import { resourceId } from '../../schemas/common.schema';

const channelId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must match ^[A-Za-z0-9_-]{1,40}$');

/** `POST /v1/onboardings` for 360dialog: what its Hub redirect hands the page (one member of the union). */
export const dialog360OnboardingBody = z.strictObject({
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
});

export type Dialog360OnboardingRequest = z.output<typeof dialog360OnboardingBody>;
