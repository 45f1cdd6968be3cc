import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The last message a WhatsApp user sent to one of a tenant's senders (the 24-hour window's start).
 * `_id` = `<tenant>:<senderId>:<user digits>`; only ever moves forward ($max).
 */
export interface CustomerWindowDoc {
  _id: string;
  tenantId: string;
  senderId: string;
  user: string;
  lastInboundAt: Date;
}

const schema = new Schema<CustomerWindowDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    senderId: { type: String, required: true },
    user: { type: String, required: true },
    lastInboundAt: { type: Date, required: true },
  },
  { collection: 'customer_windows', versionKey: false },
);

export function customerWindowModel(conn: Connection): Model<CustomerWindowDoc> {
  return (
    (conn.models.CustomerWindow as Model<CustomerWindowDoc> | undefined) ??
    conn.model<CustomerWindowDoc>('CustomerWindow', schema)
  );
}
