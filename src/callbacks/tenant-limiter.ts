/**
 * At most `limit` callbacks in flight per tenant in this worker (CALLBACK_MAX_CONCURRENT_PER_TENANT),
 * so one tenant's slow endpoint holds a few activity slots, never the worker. A callback that finds
 * its tenant's slots taken waits up to `waitMs` for one, then gives up (the activity is retried
 * later by its backoff, without holding a slot meanwhile). In memory, per worker process: N workers
 * allow N × limit per tenant.
 */
export interface TenantLimiter {
  /** A release function, or null when no slot freed up within `waitMs` (or `signal` aborted). */
  acquire(tenantId: string, waitMs: number, signal?: AbortSignal): Promise<(() => void) | null>;
  inFlight(tenantId: string): number;
}

export function createTenantLimiter(limit: number): TenantLimiter {
  const running = new Map<string, number>();
  const waiters = new Map<string, (() => void)[]>();

  const release = (tenantId: string) => {
    const queue = waiters.get(tenantId);
    const next = queue?.shift();
    if (queue && queue.length === 0) waiters.delete(tenantId);
    // The slot passes straight to the next waiter: the count stays as it is.
    if (next) return next();
    const n = (running.get(tenantId) ?? 1) - 1;
    if (n <= 0) running.delete(tenantId);
    else running.set(tenantId, n);
  };
  const releaser = (tenantId: string) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release(tenantId);
    };
  };

  return {
    inFlight: (tenantId) => running.get(tenantId) ?? 0,
    async acquire(tenantId, waitMs, signal) {
      const n = running.get(tenantId) ?? 0;
      if (n < limit) {
        running.set(tenantId, n + 1);
        return releaser(tenantId);
      }
      if (waitMs <= 0 || signal?.aborted) return null;
      return new Promise((resolve) => {
        const queue = waiters.get(tenantId) ?? [];
        waiters.set(tenantId, queue);
        const cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
        };
        const granted = () => {
          cleanup();
          resolve(releaser(tenantId));
        };
        const giveUp = () => {
          cleanup();
          const i = queue.indexOf(granted);
          if (i >= 0) queue.splice(i, 1);
          if (queue.length === 0 && waiters.get(tenantId) === queue) waiters.delete(tenantId);
          resolve(null);
        };
        const timer = setTimeout(giveUp, waitMs);
        signal?.addEventListener('abort', giveUp);
        queue.push(granted);
      });
    },
  };
}
