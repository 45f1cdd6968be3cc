import { Schema, type Connection, type Model } from 'mongoose';
import { SESSION_STATUSES, type SessionStatus } from '../../domain/session-status';
import { GATEWAY_KINDS, type GatewayKind } from '../../domain/gateway-kind';

/**
 * Projection of a session workflow: the seed's `whatsapp_sessions` row (name, status, qr_code,
 * session_data, connected_at, last_activity_at, created_at/updated_at — camelCase here) plus
 * tenant, gateway kind and the gateway's name for the session. Written only by activities.
 * `tokenSealed` is the gateway's per-session token under the secret box (aad `${tenantId}:${sessionId}`);
 * it is never logged or returned.
 */
export interface WhatsappSessionDoc {
  _id: string; // `${tenantId}:${sessionId}`
  tenantId: string;
  sessionId: string;
  name: string | null;
  status: SessionStatus;
  qrCode: string | null;
  sessionData: Record<string, unknown> | null;
  connectedAt: Date | null;
  lastActivityAt: Date | null;
  gatewayKind: GatewayKind;
  gatewaySessionId: string;
  tokenSealed: string | null;
  error: { code: string; message: string } | null;
  attempt: number;
  /** Monotonic write counter from the workflow: an older (retried) write never overwrites a newer one. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<WhatsappSessionDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    sessionId: { type: String, required: true },
    name: { type: String, default: null },
    status: { type: String, enum: SESSION_STATUSES, required: true, default: 'disconnected' },
    qrCode: { type: String, default: null },
    sessionData: { type: Schema.Types.Mixed, default: null },
    connectedAt: { type: Date, default: null },
    lastActivityAt: { type: Date, default: null },
    gatewayKind: { type: String, enum: GATEWAY_KINDS, required: true },
    gatewaySessionId: { type: String, required: true, index: true },
    tokenSealed: { type: String, default: null },
    error: { type: Schema.Types.Mixed, default: null },
    attempt: { type: Number, default: 1 },
    version: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'whatsapp_sessions', versionKey: false, minimize: false },
);
// GET /v1/sessions: newest first, `_id` breaking ties (src/db/paging.ts).
schema.index({ tenantId: 1, createdAt: -1, _id: -1 });

export function whatsappSessionModel(conn: Connection): Model<WhatsappSessionDoc> {
  return (
    (conn.models.WhatsappSession as Model<WhatsappSessionDoc> | undefined) ??
    conn.model<WhatsappSessionDoc>('WhatsappSession', schema)
  );
}
