import type { Connection } from 'mongoose';
import { customerWindowModel, type CustomerWindowDoc } from '../models/customer-window.model';

const digits = (user: string) => user.replace(/\D/g, '');

/** Last inbound message per (tenant, sender, user): written by the inbound workflow, read by the API. */
export function createCustomerWindowRepository(conn: Connection) {
  const Window = customerWindowModel(conn);
  const idOf = (tenantId: string, senderId: string, user: string) =>
    `${tenantId}:${senderId}:${digits(user)}`;

  return {
    /** Records an inbound message; an older (redelivered, out-of-order) one never moves it back. */
    async touch(tenantId: string, senderId: string, user: string, at: Date): Promise<void> {
      if (!digits(user) || Number.isNaN(at.getTime())) return;
      await Window.updateOne(
        { _id: idOf(tenantId, senderId, user) },
        {
          $max: { lastInboundAt: at },
          $setOnInsert: { tenantId, senderId, user: digits(user) },
        },
        { upsert: true },
      );
    },

    async lastInboundAt(tenantId: string, senderId: string, user: string): Promise<Date | null> {
      const d = await Window.findOne(
        { _id: idOf(tenantId, senderId, user), tenantId },
        { lastInboundAt: 1 },
      ).lean<Pick<CustomerWindowDoc, 'lastInboundAt'>>();
      return d ? new Date(d.lastInboundAt) : null;
    },
  };
}

export type CustomerWindowRepository = ReturnType<typeof createCustomerWindowRepository>;
