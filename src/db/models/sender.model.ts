import { Schema, type Connection, type Model } from 'mongoose';

/**
 * An official sender: an existing Meta Cloud API phone number registered for a tenant. The access
 * token is sealed (aad `<tenant>:<senderId>`) and never returned. `_id` = `<tenant>:<senderId>`;
 * a phone number id belongs to one tenant only (unique index).
 */
export interface SenderDoc {
  _id: string;
  tenantId: string;
  senderId: string;
  provider: 'meta';
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  accessTokenSealed: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<SenderDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    senderId: { type: String, required: true },
    provider: { type: String, required: true },
    phoneNumberId: { type: String, required: true, unique: true },
    wabaId: { type: String, required: true },
    displayPhoneNumber: { type: String, required: true },
    accessTokenSealed: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'official_senders', versionKey: false },
);

export function senderModel(conn: Connection): Model<SenderDoc> {
  return (
    (conn.models.OfficialSender as Model<SenderDoc> | undefined) ??
    conn.model<SenderDoc>('OfficialSender', schema)
  );
}
