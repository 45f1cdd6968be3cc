import { z } from 'zod';
import { resourceId } from './common.schema';

export const pingParams = z.object({ pingId: resourceId });
export const pingQuery = z.object({
  timeoutMs: z.coerce.number().int().min(100).max(30_000).default(10_000),
  holdMs: z.coerce.number().int().min(0).max(10_000).default(0),
});
