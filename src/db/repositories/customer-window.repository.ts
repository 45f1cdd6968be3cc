import type { Connection } from 'mongoose';
import { customerWindowModel, type CustomerWindowDoc } from '../models/customer-window.model';

const digits = (user: string) => user.replace(/\D/g, '');

/**
 * Writes of one window, one after another in this process. FerretDB (the local and test stand-in
 * for MongoDB) runs `$max` as read, compute, write back: two inbound messages of one contact stored
 * at once could leave the older time (seen in the conversations test, 2 runs in 4). MongoDB's `$max`
 * is atomic; on FerretDB, workers in several processes can still race (README, MongoDB and FerretDB).
 */
const writing = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, write: () => Promise<T>): Promise<T> {
  const before = writing.get(key) ?? Promise.resolve();
  const mine = before.then(write, write);
  const tail = mine.catch(() => undefined);
  writing.set(key, tail);
  void tail.then(() => {
    if (writing.get(key) === tail) writing.delete(key);
  });
  return mine;
}

/** Last inbound message per (tenant, sender, user): written by the inbound workflow, read by the API. */
export function createCustomerWindowRepository(conn: Connection) {
  const Window = customerWindowModel(conn);
  const idOf = (tenantId: string, senderId: string, user: string) =>
    `${tenantId}:${senderId}:${digits(user)}`;

  return {
    /** Records an inbound message; an older (redelivered, out-of-order) one never moves it back. */
    async touch(tenantId: string, senderId: string, user: string, at: Date): Promise<void> {
      if (!digits(user) || Number.isNaN(at.getTime())) return;
      const _id = idOf(tenantId, senderId, user);
      await oneAtATime(_id, () =>
        Window.updateOne(
          { _id },
          {
            $max: { lastInboundAt: at },
            $setOnInsert: { tenantId, senderId, user: digits(user) },
          },
          { upsert: true },
        ),
      );
    },

    async lastInboundAt(tenantId: string, senderId: string, user: string): Promise<Date | null> {
      const d = await Window.findOne(
        { _id: idOf(tenantId, senderId, user), tenantId },
        { lastInboundAt: 1 },
      ).lean<Pick<CustomerWindowDoc, 'lastInboundAt'>>();
      return d ? new Date(d.lastInboundAt) : null;
    },

    /** Last inbound of many users of one sender in one read (a broadcast's chunk): by digits. */
    async lastInboundAtMany(tenantId: string, senderId: string, users: string[]): Promise<Map<string, Date>> {
      const docs = await Window.find(
        { _id: { $in: users.map((u) => idOf(tenantId, senderId, u)) }, tenantId },
        { user: 1, lastInboundAt: 1 },
      ).lean<Pick<CustomerWindowDoc, 'user' | 'lastInboundAt'>[]>();
      return new Map(docs.map((d) => [d.user, new Date(d.lastInboundAt)]));
    },
  };
}

export type CustomerWindowRepository = ReturnType<typeof createCustomerWindowRepository>;
