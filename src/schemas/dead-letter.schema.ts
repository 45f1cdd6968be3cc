import { z } from 'zod';
import { DEAD_LETTER_PROVIDERS, DEAD_LETTER_REASONS } from '../domain/dead-letter';
import { isoDateTime } from './common.schema';
import { listPage, pageQuery } from './list-page.schema';

/** `GET /v1/dead-letters`: newest first; `since` bounds receivedAt from below (inclusive). */
export const listDeadLettersQuery = z.strictObject({
  provider: z.enum(DEAD_LETTER_PROVIDERS).optional(),
  since: isoDateTime.optional().meta({
    description: 'Only dead letters first received at or after this ISO date-time (or date, 00:00 UTC)',
  }),
  ...pageQuery,
});

const deadLetter = z
  .object({
    id: z.string().meta({ example: 'dlq_0f1e2d3c4b5a69788796a5b4c3d2e1f0' }),
    provider: z.enum(DEAD_LETTER_PROVIDERS),
    kind: z.enum(['body', 'entry', 'change', 'status', 'message', 'alert', 'event']),
    reason: z.enum(DEAD_LETTER_REASONS),
    issues: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
    providerIds: z
      .record(z.string(), z.string())
      .meta({ description: 'The ids that could be read: wamid, messageSid, sessionId, phoneNumberId…' }),
    entry: z.string().meta({ description: 'The entry as JSON text (keys sorted), cut at 16,384 characters' }),
    entryTruncated: z.boolean(),
    receivedAt: z.string(),
    lastReceivedAt: z.string(),
    deliveries: z.number().int().meta({ description: 'How many times the provider sent this entry' }),
  })
  .meta({ id: 'DeadLetter' });

/** Answer of `GET /v1/dead-letters` (documentation; the route returns the repository's page). */
export const deadLetterList = listPage(deadLetter);
