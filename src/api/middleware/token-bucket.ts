/**
 * Token buckets by key, in memory: each key holds up to `burst` tokens, refilled at `ratePerSec`;
 * a request takes one or is told how long until one is there. Idle buckets (full again) are
 * dropped when the map grows, so memory follows the keys active in the last few seconds.
 */
export interface TokenBuckets {
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number };
}

const PRUNE_ABOVE = 10_000;

export function createTokenBuckets(opts: {
  ratePerSec: number;
  burst: number;
  now?: () => number;
}): TokenBuckets {
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (b: { tokens: number; at: number }, t: number) => {
    b.tokens = Math.min(opts.burst, b.tokens + ((t - b.at) / 1000) * opts.ratePerSec);
    b.at = t;
  };
  const prune = (t: number) => {
    for (const [key, b] of buckets) {
      refill(b, t);
      if (b.tokens >= opts.burst) buckets.delete(key);
    }
  };
  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= PRUNE_ABOVE) prune(t);
        b = { tokens: opts.burst, at: t };
        buckets.set(key, b);
      } else refill(b, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) / opts.ratePerSec) * 1000) };
    },
  };
}
