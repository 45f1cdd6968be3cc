import { Schema, type Connection, type Model } from 'mongoose';
import type { HealthOutcome } from '../../domain/session-health';

const HEALTH_OUTCOMES: HealthOutcome[] = ['healthy', 'drifted', 'qr_expired', 'failed'];

/**
 * `session_health_sweeps`: one `sweep` document per run of the session health schedule (global
 * counts, start and finish), and one `outcome` document per session it checked, tenant-scoped, with
 * `_id` `${sweepId}|${tenantId}|${sessionId}` so a retried batch rewrites rather than duplicates.
 * Old sweeps are pruned by the sweep itself (FerretDB has no TTL indexes).
 */
export interface SessionHealthSweepDoc {
  _id: string;
  kind: 'sweep' | 'outcome';
  sweepId: string;
  startedAt: Date;
  finishedAt: Date | null;
  // kind 'sweep'
  checked?: number;
  healthy?: number;
  drifted?: number;
  failed?: number;
  // kind 'outcome'
  tenantId?: string;
  sessionId?: string;
  outcome?: HealthOutcome;
  /** Our projection's status when the sweep looked. */
  recordedStatus?: string;
  /** The gateway's own status string (MISSING when it no longer knows the session). */
  gatewayStatus?: string | null;
  /** What the sweep did: signalled | restarted | closed | recorded | none. */
  action?: string;
  error?: string | null;
  checkedAt?: Date;
}

const schema = new Schema<SessionHealthSweepDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['sweep', 'outcome'], required: true },
    sweepId: { type: String, required: true, index: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    checked: Number,
    healthy: Number,
    drifted: Number,
    failed: Number,
    tenantId: { type: String, index: true },
    sessionId: String,
    outcome: { type: String, enum: HEALTH_OUTCOMES },
    recordedStatus: String,
    gatewayStatus: { type: String, default: null },
    action: String,
    error: { type: String, default: null },
    checkedAt: Date,
  },
  { collection: 'session_health_sweeps', versionKey: false },
);

export function sessionHealthSweepModel(conn: Connection): Model<SessionHealthSweepDoc> {
  return (
    (conn.models.SessionHealthSweep as Model<SessionHealthSweepDoc> | undefined) ??
    conn.model<SessionHealthSweepDoc>('SessionHealthSweep', schema)
  );
}
