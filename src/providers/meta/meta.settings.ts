import { z } from 'zod';
import { burst, durationMs, ratePer } from '../settings';

/** What Meta reads from the environment: its Cloud API, its app (webhooks, Embedded Signup) and its rate. */
export const metaSettings = z.object({
  RATE_LIMIT_META_PER_SECOND: ratePer.default(80),
  RATE_LIMIT_META_BURST: burst.default(80),
  META_GRAPH_BASE_URL: z.url().default('https://graph.facebook.com'),
  META_GRAPH_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v23.0')
    .default('v23.0'),
  META_TIMEOUT_MS: durationMs.min(100).default(15_000),
  META_APP_SECRET: z.string().min(1).optional(),
  /** The verify token Meta's webhook handshake (GET /webhooks/meta) must present (issue 7). */
  META_WEBHOOK_VERIFY_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  /** With META_APP_SECRET, authorizes the health sweep's debug_token calls as `<app_id>|<app_secret>`. */
  META_APP_ID: z.string().regex(/^\d+$/, 'must be the numeric Meta app id').optional(),
  /** Facebook Login for Business configuration id the signup page passes to FB.login (public, issue 7). */
  META_ES_CONFIG_ID: z.string().regex(/^\d+$/, 'must be the numeric configuration id').optional(),
  /** Lifetime of an Embedded Signup code: its exchange is never retried past it. */
  META_ES_CODE_VALIDITY_MS: durationMs.min(1_000).default(30_000),
  /**
   * Development only (`npm run stack` sets it when it runs the Meta simulator): the simulator's origin,
   * whose stand-in JS SDK and signup dialog the signup page uses instead of Facebook's. Refused when
   * NODE_ENV=production (src/config/env.ts).
   */
  META_ES_SIMULATOR_URL: z
    .url()
    .refine((v) => {
      if (!URL.canParse(v)) return false;
      const u = new URL(v);
      return /^https?:$/.test(u.protocol) && u.pathname === '/' && !u.search && !u.hash && !u.username;
    }, 'must be an http(s) origin such as http://127.0.0.1:3101')
    .transform((v) => new URL(v).origin)
    .optional(),
});

export type MetaEnv = z.infer<typeof metaSettings>;
