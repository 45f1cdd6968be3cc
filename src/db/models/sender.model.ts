import { Schema, type Connection, type Model } from 'mongoose';
import type { OfficialProvider } from '../../providers/official-providers';

/**
 * An official sender: a WhatsApp Business Platform number of a tenant, reached through Meta's Cloud
 * API or a BSP (360dialog, Twilio), registered by hand (`POST /v1/senders`) or by an onboarding.
 * The credentials are one sealed JSON document (aad `<tenant>:<senderId>`), never returned.
 * `_id` = `<tenant>:<senderId>`; `routingKey` (see OfficialPlatform.routingKey) is unique across tenants.
 */
export interface SenderDoc {
  _id: string;
  tenantId: string;
  senderId: string;
  provider: OfficialProvider;
  routingKey: string;
  /** Meta phone number id (Meta, and 360dialog when known); null for Twilio. */
  phoneNumberId: string | null;
  wabaId: string | null;
  displayPhoneNumber: string;
  /** 360dialog channel id or Twilio account SID; null for Meta. */
  accountId: string | null;
  /** The onboarding that created it (its retries find their own sender); null when registered by hand. */
  onboardingId: string | null;
  /**
   * When the provider confirmed the tenant controls the number (issue 15): the ownership check of
   * `POST /v1/senders`, or the onboarding that set it up. null/absent (senders from before the
   * check): not verified — such a sender gets no account alerts.
   */
  verifiedAt?: Date | null;
  credentialsSealed: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<SenderDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    senderId: { type: String, required: true },
    provider: { type: String, required: true },
    routingKey: { type: String, required: true, unique: true },
    phoneNumberId: { type: String, default: null },
    wabaId: { type: String, default: null },
    displayPhoneNumber: { type: String, required: true },
    accountId: { type: String, default: null },
    onboardingId: { type: String, default: null },
    verifiedAt: { type: Date, default: null },
    credentialsSealed: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'official_senders', versionKey: false },
);
// GET /v1/senders: newest first, `_id` breaking ties (src/db/paging.ts).
schema.index({ tenantId: 1, createdAt: -1, _id: -1 });

export function senderModel(conn: Connection): Model<SenderDoc> {
  return (
    (conn.models.OfficialSender as Model<SenderDoc> | undefined) ??
    conn.model<SenderDoc>('OfficialSender', schema)
  );
}
