import { cachedRead } from '../db/read-cache';
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
  const opts = { ttlMs, now, keep: (r: unknown) => r !== null };
  return {
    get: cachedRead((tenantId: string, senderId: string) => port.get(tenantId, senderId), opts),
    withCredentials: cachedRead(
      (tenantId: string, senderId: string) => port.withCredentials(tenantId, senderId),
      opts,
    ),
    metaCredentials: cachedRead(
      (tenantId: string, senderId: string) => port.metaCredentials(tenantId, senderId),
      opts,
    ),
  };
}
