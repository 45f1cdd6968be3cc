import { Schema, type Connection, type Model } from 'mongoose';

/** A tenant's status callback: where every message status change is POSTed, and the sealed signing secret. `_id` = tenant. */
export interface TenantCallbackDoc {
  _id: string;
  url: string;
  secretSealed: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<TenantCallbackDoc>(
  {
    _id: { type: String, required: true },
    url: { type: String, required: true },
    secretSealed: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'tenant_callbacks', versionKey: false },
);

export function tenantCallbackModel(conn: Connection): Model<TenantCallbackDoc> {
  return (
    (conn.models.TenantCallback as Model<TenantCallbackDoc> | undefined) ??
    conn.model<TenantCallbackDoc>('TenantCallback', schema)
  );
}
