import { z } from 'zod';
import { resourceId } from './common.schema';

export const sendRateParams = z.strictObject({ senderId: resourceId });

/** PUT /v1/senders/:senderId/rate: the sender's own send rate, instead of its provider's. */
export const setSendRateBody = z.strictObject({
  ratePerSecond: z
    .number({ error: 'must be a number' })
    .positive({ error: 'must be more than 0' })
    .max(1000, { error: 'must be at most 1000 (Meta’s highest throughput tier)' })
    .describe('Messages per second sustained (10 per minute is 0.1667).'),
  burst: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(10_000, { error: 'must be at most 10000' })
    .describe('Messages that may go at once after a pause.'),
});
