import { createTenantLimiter } from '../../src/callbacks/tenant-limiter';

describe('createTenantLimiter: callbacks in flight per tenant', () => {
  it('grants up to the limit per tenant, hands a released slot to a waiter, gives up after the wait', async () => {
    const limiter = createTenantLimiter(2);
    const a1 = await limiter.acquire('a', 0);
    const a2 = await limiter.acquire('a', 0);
    expect(a1 && a2).toBeTruthy();
    expect(await limiter.acquire('a', 0)).toBeNull();
    // Another tenant is not affected.
    const b1 = await limiter.acquire('b', 0);
    expect(b1).not.toBeNull();

    const waiting = limiter.acquire('a', 5_000);
    a1?.();
    a1?.(); // releasing twice frees one slot only
    const a3 = await waiting;
    expect(a3).not.toBeNull();
    expect(limiter.inFlight('a')).toBe(2);

    expect(await limiter.acquire('a', 20)).toBeNull();
    const aborted = new AbortController();
    const pending = limiter.acquire('a', 5_000, aborted.signal);
    aborted.abort();
    expect(await pending).toBeNull();

    a2?.();
    a3?.();
    b1?.();
    expect(limiter.inFlight('a')).toBe(0);
    expect(limiter.inFlight('b')).toBe(0);
  });
});
