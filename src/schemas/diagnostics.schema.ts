import { z } from 'zod';
import { queryInt, resourceId } from './common.schema';

export const pingParams = z.object({ pingId: resourceId });
/** How long the caller waits for the round trip; how long the worker takes is not the caller's to set (issue 15). */
export const pingQuery = z.object({
  timeoutMs: queryInt(100, 30_000).default(10_000),
});
