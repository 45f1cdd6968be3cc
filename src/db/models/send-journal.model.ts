import { Schema, type Connection, type Model } from 'mongoose';
import type { RecipientStatusInboxDoc } from './broadcast.model';

/** A webhook status of a broadcast recipient, kept as the inbox keeps one (until its send's record is written). */
export type JournaledStatus = Pick<
  RecipientStatusInboxDoc,
  'messageId' | 'providerMessageId' | 'status' | 'at' | 'error'
>;

/**
 * `whatsapp_broadcast_send_journal` (issue 18): sends a broadcast chunk had answered, kept here a
 * moment before their records are written, and the webhook statuses that came for them meanwhile,
 * so each record is written once with both. One document per journal batch (`kind: 'sent'`,
 * `_id` = the batch) and one per webhook's statuses of a batch (`kind: 'statuses'`): a write, read
 * or drop here is per batch, not per recipient (on FerretDB every document written or deleted is a
 * statement of its own).
 */
export interface SendJournalDoc {
  _id: string;
  tenantId: string;
  broadcastId: string;
  foldBatch: string;
  kind: 'sent' | 'statuses';
  sends: { messageId: string; providerMessageId: string; at: Date }[];
  statuses: JournaledStatus[];
  createdAt: Date;
}

const schema = new Schema<SendJournalDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    broadcastId: { type: String, required: true },
    foldBatch: { type: String, required: true },
    kind: { type: String, enum: ['sent', 'statuses'], required: true },
    sends: { type: Schema.Types.Mixed, default: [] },
    statuses: { type: Schema.Types.Mixed, default: [] },
    createdAt: { type: Date, required: true },
  },
  { collection: 'whatsapp_broadcast_send_journal', versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, broadcastId: 1, kind: 1 });
schema.index({ tenantId: 1, foldBatch: 1 });

export function sendJournalModel(conn: Connection): Model<SendJournalDoc> {
  return (
    (conn.models.SendJournal as Model<SendJournalDoc> | undefined) ??
    conn.model<SendJournalDoc>('SendJournal', schema)
  );
}
