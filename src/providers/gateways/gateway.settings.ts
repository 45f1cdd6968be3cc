import { z } from 'zod';
import { GATEWAY_KINDS } from '../../domain/gateway-kind';
import { burst, durationMs, ratePer } from '../settings';

/**
 * What WhatsApp Web sessions read from the environment (issue 3): which gateway contract, where,
 * the keys it wants, and the pace a session sends at.
 */
export const gatewaySettings = z.object({
  GATEWAY_KIND: z.enum(GATEWAY_KINDS).default('seed'),
  GATEWAY_BASE_URL: z.url().default('http://127.0.0.1:3100'),
  GATEWAY_MASTER_KEY: z.string().min(1).optional(),
  GATEWAY_API_KEY: z.string().min(1).optional(),
  GATEWAY_TIMEOUT_MS: durationMs.min(100).default(10_000),
  GATEWAY_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  RATE_LIMIT_GATEWAY_PER_MINUTE: ratePer.default(10),
  RATE_LIMIT_GATEWAY_BURST: burst.default(50),
});

export type GatewayEnv = z.infer<typeof gatewaySettings>;
