import { Router } from 'express';
import type { z } from 'zod';
import type { MessageHistoryRepository } from '../../db/repositories/message-history.repository';
import type { StatsGranularity } from '../../domain/message-stats';
import { statsQuery, type StatsResponse } from '../../schemas/stats.schema';
import { createStatsCache } from '../stats-cache';

type StatsQueryInput = z.output<typeof statsQuery>;
import { authOf } from '../middleware/auth';
import { route, ValidationFailed } from '../middleware/validate';

const DAY_MS = 86_400_000;
export const DEFAULT_STATS_DAYS = 7;
/** Longest range per granularity: 744 hourly or 366 daily periods at most. */
export const MAX_STATS_DAYS: Record<StatsGranularity, number> = { hour: 31, day: 366 };

export interface StatsRouteDeps {
  messages: Pick<MessageHistoryRepository, 'stats'>;
  /** How long an answer is reused for the same tenant and query (STATS_CACHE_MS); 0 = not cached. */
  cacheMs: number;
  now?: () => Date;
}

/**
 * `GET /v1/stats`: the API key's tenant's message counts and rates over [from, to). Answers are
 * reused for `cacheMs` per (tenant, query as asked): with `to` left out, "now" is the time of the
 * cached computation, at most `cacheMs` ago (issue 15).
 */
export function statsRoutes(deps: StatsRouteDeps): Router {
  const r = Router();
  const now = deps.now ?? (() => new Date());
  const cache = createStatsCache<StatsResponse>({ ttlMs: deps.cacheMs });

  r.get(
    '/stats',
    route({ query: statsQuery }, async ({ query }, _req, res) => {
      const { tenantId } = authOf(res);
      const key = JSON.stringify([
        tenantId,
        query.from?.toISOString() ?? null,
        query.to?.toISOString() ?? null,
        query.granularity,
        query.senderId ?? null,
        query.provider ?? null,
      ]);
      res.json(await cache.get(key, () => computeStats(tenantId, query)));
    }),
  );

  const computeStats = async (tenantId: string, query: StatsQueryInput): Promise<StatsResponse> => {
    const to = query.to ?? now();
    const from = query.from ?? new Date(to.getTime() - DEFAULT_STATS_DAYS * DAY_MS);
    const max = MAX_STATS_DAYS[query.granularity];
    if (from.getTime() >= to.getTime())
      throw new ValidationFailed([
        { field: 'query.from', rule: 'before_to', message: 'must be before to (default: now)' },
      ]);
    if (to.getTime() - from.getTime() > max * DAY_MS)
      throw new ValidationFailed([
        {
          // Only `from` can stretch the range when `to` is left to default.
          field: query.to === undefined ? 'query.from' : 'query.to',
          rule: 'max_range',
          message: `the range may span at most ${max} days with granularity=${query.granularity}`,
        },
      ]);

    const stats = await deps.messages.stats(tenantId, {
      from,
      to,
      granularity: query.granularity,
      senderId: query.senderId,
      provider: query.provider,
    });
    const body: StatsResponse = {
      range: {
        from: from.toISOString(),
        to: to.toISOString(),
        granularity: query.granularity,
        timezone: 'UTC',
      },
      filters: { senderId: query.senderId ?? null, provider: query.provider ?? null },
      ...stats,
    };
    return body;
  };

  return r;
}
