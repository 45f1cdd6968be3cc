import { z } from 'zod';
import { burst, durationMs, ratePer } from '../settings';

/** What Twilio reads from the environment: its Messages and Senders APIs, the server's account and its rate. */
export const twilioSettings = z.object({
  // 10 msg/s per WhatsApp sender (issue 7).
  RATE_LIMIT_TWILIO_PER_SECOND: ratePer.default(10),
  RATE_LIMIT_TWILIO_BURST: burst.default(10),
  TWILIO_API_BASE_URL: z.url().default('https://api.twilio.com'),
  TWILIO_TIMEOUT_MS: durationMs.min(100).default(15_000),
  TWILIO_MESSAGING_BASE_URL: z.url().default('https://messaging.twilio.com'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Onboarding: how long a new sender may take to come ONLINE, and the wait between polls. */
  ONBOARDING_TWILIO_ONLINE_TIMEOUT_MS: durationMs.min(1_000).default(600_000),
  ONBOARDING_TWILIO_POLL_MS: durationMs.min(100).default(5_000),
});

export type TwilioSettings = z.infer<typeof twilioSettings>;
