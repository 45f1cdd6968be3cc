import { Schema, type Connection, type Model } from 'mongoose';

export interface ApiKeyDoc {
  _id: string; // key id (public part of the key)
  tenantId: string;
  secretHash: string;
  label?: string;
  createdAt: Date;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
}

const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    secretHash: { type: String, required: true },
    label: { type: String },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { collection: 'api_keys', versionKey: false },
);

export function apiKeyModel(conn: Connection): Model<ApiKeyDoc> {
  return (
    (conn.models.ApiKey as Model<ApiKeyDoc> | undefined) ?? conn.model<ApiKeyDoc>('ApiKey', apiKeySchema)
  );
}
