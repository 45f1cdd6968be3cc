import { z } from 'zod';
import { queryInt, resourceId } from './common.schema';

export const pingParams = z.object({ pingId: resourceId });
export const pingQuery = z.object({
  timeoutMs: queryInt(100, 30_000).default(10_000),
  holdMs: queryInt(0, 10_000).default(0),
});
