import { z } from 'zod';
import { MESSAGE_STATUSES } from '../domain/message';
import { STATS_GRANULARITIES } from '../domain/message-stats';
import { WHATSAPP_WEB_PROVIDER } from '../domain/gateway-event';
import { OFFICIAL_PROVIDERS } from '../providers/official-providers';
import { isoInstant, resourceId } from './common.schema';

export const STATS_PROVIDERS = [...OFFICIAL_PROVIDERS, WHATSAPP_WEB_PROVIDER] as const;

/** A bound of the range: a date-only value is that UTC day's start (`from`) or its end (`to`, exclusive). */
const bound = (end: boolean) =>
  isoInstant.transform(({ at, dateOnly }) => (dateOnly && end ? new Date(at.getTime() + 86_400_000) : at));

/** `GET /v1/stats`: the range defaults to the 7 days before `to`, `to` to now; see stats.routes.ts. */
export const statsQuery = z.strictObject({
  from: bound(false)
    .optional()
    .meta({ description: 'Start, inclusive (a date: 00:00 UTC). Default: `to` minus 7 days' }),
  to: bound(true)
    .optional()
    .meta({ description: 'End, exclusive (a date: the end of that UTC day). Default: now' }),
  granularity: z.enum(STATS_GRANULARITIES).default('day'),
  senderId: resourceId.optional(),
  provider: z.enum(STATS_PROVIDERS).optional(),
});

const counts = z
  .object({
    total: z.number().int(),
    ...Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, z.number().int()])),
  })
  .meta({ id: 'StatusCounts', description: 'Messages by their current status' });

const rates = z
  .object({
    delivery: z
      .number()
      .nullable()
      .meta({ description: '(delivered + read) / (sent + delivered + read + failed)' }),
    read: z.number().nullable().meta({ description: 'read / (delivered + read)' }),
  })
  .meta({ id: 'StatsRates', description: 'Fractions 0..1 rounded to 4 places; null when the divisor is 0' });

/** Answer of `GET /v1/stats` (documentation; the route builds it from the repository's result). */
export const statsResponse = z.object({
  range: z.object({
    from: z.string(),
    to: z.string(),
    granularity: z.enum(STATS_GRANULARITIES),
    timezone: z.literal('UTC'),
  }),
  filters: z.object({ senderId: z.string().nullable(), provider: z.string().nullable() }),
  totals: counts,
  rates,
  byProvider: z.array(z.object({ provider: z.string(), counts, rates })),
  bySender: z.array(z.object({ senderId: z.string(), counts, rates })),
  byPeriod: z.array(
    z.object({
      period: z.string().meta({ example: '2025-03-01' }),
      start: z.string(),
      counts,
    }),
  ),
  failures: z.array(
    z.object({
      errorCode: z.string().nullable(),
      count: z.number().int(),
      latest: z.object({
        messageId: z.string(),
        errorMessage: z.string().nullable(),
        failedAt: z.string().nullable(),
      }),
    }),
  ),
});
export type StatsResponse = z.infer<typeof statsResponse>;
