import { Schema, type Connection, type Model } from 'mongoose';
import type { AccountAlertType } from '../../domain/account-alert';

/**
 * An account alert of one tenant, stored once: `_id` = `<tenant>:<dedupe key>` (the key hashes
 * the notification's content, so a redelivered webhook finds it already there).
 */
export interface AccountAlertDoc {
  _id: string;
  tenantId: string;
  alertId: string;
  /** Who delivered it: 'meta' or '360dialog'. */
  provider: string;
  type: AccountAlertType;
  event: string | null;
  wabaId: string;
  /** The sender the alert names (by its number), when one of the tenant's senders matches. */
  senderId: string | null;
  phoneNumber: string | null;
  details: Record<string, unknown>;
  occurredAt: Date;
  createdAt: Date;
}

const schema = new Schema<AccountAlertDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    alertId: { type: String, required: true },
    provider: { type: String, required: true },
    type: { type: String, required: true },
    event: { type: String, default: null },
    wabaId: { type: String, required: true },
    senderId: { type: String, default: null },
    phoneNumber: { type: String, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
    occurredAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'account_alerts', versionKey: false, minimize: false },
);
// GET /v1/alerts: newest first, `_id` breaking ties (src/db/paging.ts).
schema.index({ tenantId: 1, occurredAt: -1, _id: -1 });

export function accountAlertModel(conn: Connection): Model<AccountAlertDoc> {
  return (
    (conn.models.AccountAlert as Model<AccountAlertDoc> | undefined) ??
    conn.model<AccountAlertDoc>('AccountAlert', schema)
  );
}
