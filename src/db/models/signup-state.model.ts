import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A `state` nonce the signup page asked for when it opened 360dialog's Hub (issue 15): bound to
 * the tenant, kept as a hash, alive for a few minutes, used once per channel of the redirect it
 * came back with (and bound to that redirect's client). `_id` = the nonce's public id.
 */
export interface SignupStateDoc {
  _id: string;
  tenantId: string;
  /** sha256 (hex) of the nonce's secret part; the nonce itself is never stored. */
  secretHash: string;
  /** The client of the first onboarding that used it; later channels must name the same one. */
  clientId: string | null;
  /** Channels already onboarded with it: a second use for one is a replay. */
  usedFor: string[];
  expiresAt: Date;
  createdAt: Date;
}

const schema = new Schema<SignupStateDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    secretHash: { type: String, required: true },
    clientId: { type: String, default: null },
    usedFor: { type: [String], default: [] },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'signup_states', versionKey: false },
);

export function signupStateModel(conn: Connection): Model<SignupStateDoc> {
  return (
    (conn.models.SignupState as Model<SignupStateDoc> | undefined) ??
    conn.model<SignupStateDoc>('SignupState', schema)
  );
}
