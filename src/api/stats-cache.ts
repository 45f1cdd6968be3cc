/**
 * `GET /v1/stats` answers from a short cache per (tenant, query as asked) (issue 15): the admin page
 * polls every 10 s and each computation reads up to MAX_STATS_RECORDS documents, so a tenant (or
 * many open tabs) cannot turn polling into database load. Concurrent identical requests share one
 * computation. In memory per API process, at most `maxEntries` answers; a failure is not cached.
 */
export interface StatsCache<T> {
  get(key: string, compute: () => Promise<T>): Promise<T>;
}

export function createStatsCache<T>(opts: {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}): StatsCache<T> {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 1_000;
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return {
    get(key, compute) {
      if (opts.ttlMs <= 0) return compute();
      const t = now();
      const hit = entries.get(key);
      if (hit && t - hit.at < opts.ttlMs) return hit.value;
      entries.delete(key);
      const value = compute();
      entries.set(key, { at: t, value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      // Oldest first: Map keeps insertion order.
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
  };
}
