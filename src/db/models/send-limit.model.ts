import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One sender's send rate, shared by every worker (`_id` = `<tenant>:<senderId>`): the GCRA's
 * theoretical arrival time `tat` (ms since the epoch) and an optional per-sender override of the
 * provider's rate, read on every permit so a change takes effect without a restart.
 */
export interface SendLimitDoc {
  _id: string;
  tat: number;
  ratePerSec?: number | null;
  burst?: number | null;
  /**
   * The latest `expiresAt` any waiter of this sender was given: once it has passed, nobody can be
   * waiting, and an ask need not count the line. Absent on records written before it existed.
   */
  waitersUntil?: number | null;
}

/**
 * A message waiting for its turn (`_id` = the message's workflow id): who goes first when tokens
 * are scarce — high before normal before low, FIFO by acceptance within a priority. Lives until
 * `expiresAt` (ms): a waiter that died stops holding its place then.
 */
export interface SendWaiterDoc {
  _id: string;
  key: string;
  rank: number;
  acceptedAt: number;
  expiresAt: number;
}

const limitSchema = new Schema<SendLimitDoc>(
  {
    _id: { type: String, required: true },
    tat: { type: Number, required: true },
    ratePerSec: { type: Number, default: null },
    burst: { type: Number, default: null },
    waitersUntil: { type: Number, default: null },
  },
  { collection: 'send_limits', versionKey: false },
);

const waiterSchema = new Schema<SendWaiterDoc>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    rank: { type: Number, required: true },
    acceptedAt: { type: Number, required: true },
    expiresAt: { type: Number, required: true },
  },
  { collection: 'send_waiters', versionKey: false },
);
waiterSchema.index({ key: 1, rank: 1, acceptedAt: 1 });

export function sendLimitModel(conn: Connection): Model<SendLimitDoc> {
  return (
    (conn.models.SendLimit as Model<SendLimitDoc> | undefined) ??
    conn.model<SendLimitDoc>('SendLimit', limitSchema)
  );
}

export function sendWaiterModel(conn: Connection): Model<SendWaiterDoc> {
  return (
    (conn.models.SendWaiter as Model<SendWaiterDoc> | undefined) ??
    conn.model<SendWaiterDoc>('SendWaiter', waiterSchema)
  );
}
