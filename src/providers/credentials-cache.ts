import type { SenderCredentialsPort } from './descriptor';

/**
 * The stored senders as a worker's adapters read them at send time, kept for `ttlMs` after a read
 * (and one read for many sends asking at once). A broadcast chunk sends up to
 * BROADCAST_MAX_IN_FLIGHT messages from one sender at a time; reading and decrypting the sender for
 * each was three quarters of a send's time (measured on FerretDB: 140 ms of 190). A sender that is
 * not there is not kept (the next send asks again), and a change to a sender's credentials reaches
 * the sends of this process within `ttlMs`.
 */
export function cachedSenderCredentials(
  port: SenderCredentialsPort,
  ttlMs: number,
  now: () => number = Date.now,
): SenderCredentialsPort {
  const memo = <A extends [string, string], R>(read: (...a: A) => Promise<R | null>) => {
    const kept = new Map<string, { at: number; value: Promise<R | null> }>();
    return (...a: A): Promise<R | null> => {
      const key = `${a[0]}\u0000${a[1]}`;
      const hit = kept.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const value = read(...a).then(
        (r) => {
          if (r === null) kept.delete(key);
          return r;
        },
        (err: unknown) => {
          kept.delete(key);
          throw err;
        },
      );
      kept.set(key, { at: now(), value });
      // Expired entries go as new ones come: the map holds at most the senders read within ttlMs.
      for (const [k, v] of kept) if (now() - v.at >= ttlMs) kept.delete(k);
      return value;
    };
  };
  return {
    get: memo((tenantId: string, senderId: string) => port.get(tenantId, senderId)),
    withCredentials: memo((tenantId: string, senderId: string) => port.withCredentials(tenantId, senderId)),
    metaCredentials: memo((tenantId: string, senderId: string) => port.metaCredentials(tenantId, senderId)),
  };
}
