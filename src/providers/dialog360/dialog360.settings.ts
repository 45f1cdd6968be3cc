import { z } from 'zod';
import { burst, durationMs, ratePer } from '../settings';

/** What 360dialog reads from the environment: its messaging API, its Partner API (onboarding) and its rate. */
export const dialog360Settings = z.object({
  // Cloud API numbers: Meta's 80 msg/s (issue 7).
  RATE_LIMIT_DIALOG360_PER_SECOND: ratePer.default(80),
  RATE_LIMIT_DIALOG360_BURST: burst.default(80),
  DIALOG360_BASE_URL: z.url().default('https://waba-v2.360dialog.io'),
  DIALOG360_TIMEOUT_MS: durationMs.min(100).default(15_000),
  DIALOG360_PARTNER_BASE_URL: z.url().default('https://hub.360dialog.io'),
  DIALOG360_PARTNER_ID: z.string().min(1).optional(),
  DIALOG360_PARTNER_API_KEY: z.string().min(1).optional(),
});

export type Dialog360Env = z.infer<typeof dialog360Settings>;
