import { Schema, type Connection, type Model } from 'mongoose';

/** A worker round trip recorded by the diagnostics ping workflow (proves API → Temporal → worker → MongoDB). */
export interface DiagnosticPingDoc {
  _id: string; // `${tenantId}:${pingId}`
  tenantId: string;
  pingId: string;
  workflowId: string;
  recordedAt: Date;
  writes: number;
}

const schema = new Schema<DiagnosticPingDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pingId: { type: String, required: true },
    workflowId: { type: String, required: true },
    recordedAt: { type: Date, required: true },
    writes: { type: Number, required: true, default: 0 },
  },
  { collection: 'diagnostic_pings', versionKey: false },
);

export function diagnosticPingModel(conn: Connection): Model<DiagnosticPingDoc> {
  return (
    (conn.models.DiagnosticPing as Model<DiagnosticPingDoc> | undefined) ??
    conn.model<DiagnosticPingDoc>('DiagnosticPing', schema)
  );
}
