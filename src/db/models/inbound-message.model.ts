import { Schema, type Connection, type Model } from 'mongoose';
import type { InboundReference } from '../../domain/message';

/**
 * An inbound message, stored once: `_id` = `<tenant>:<provider>:<provider message id>`. Written only
 * by activities, made storable by the repository: `content` keys are percent-escaped where MongoDB
 * or FerretDB would refuse them (`fromStorable` in src/domain/storable.ts reads them back).
 */
export interface InboundMessageDoc {
  _id: string;
  tenantId: string;
  senderId: string;
  provider: string;
  providerMessageId: string;
  from: string;
  fromName: string | null;
  type: string;
  text: string | null;
  content: Record<string, unknown>;
  /** Some text was cut to the storable limits (65,536 characters) or nested past 32 levels. */
  truncated: boolean;
  /** A reaction, an edit or a revoke: the earlier message it is about (null for any other message). */
  refersTo: InboundReference | null;
  receivedAt: Date;
  createdAt: Date;
}

const schema = new Schema<InboundMessageDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    senderId: { type: String, required: true },
    provider: { type: String, required: true },
    providerMessageId: { type: String, required: true },
    from: { type: String, required: true },
    fromName: { type: String, default: null },
    type: { type: String, required: true },
    text: { type: String, default: null },
    content: { type: Schema.Types.Mixed, default: {} },
    truncated: { type: Boolean, default: false },
    refersTo: { type: Schema.Types.Mixed, default: null },
    receivedAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'inbound_messages', versionKey: false, minimize: false },
);
// GET /v1/inbound (newest first, `_id` breaking ties; src/db/paging.ts), by sender and by contact;
// the sender + contact one also serves GET /v1/conversations/{senderId}/{contact}.
schema.index({ tenantId: 1, receivedAt: -1, _id: -1 });
schema.index({ tenantId: 1, senderId: 1, from: 1, receivedAt: -1, _id: -1 });
schema.index({ tenantId: 1, from: 1, receivedAt: -1, _id: -1 });

export function inboundMessageModel(conn: Connection): Model<InboundMessageDoc> {
  return (
    (conn.models.InboundMessage as Model<InboundMessageDoc> | undefined) ??
    conn.model<InboundMessageDoc>('InboundMessage', schema)
  );
}
