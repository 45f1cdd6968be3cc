import { Schema, type Connection, type Model } from 'mongoose';
import { CREDENTIAL_STATUSES, type CredentialStatus } from '../../domain/credential-health';
import type { HealthOutcome } from '../../domain/session-health';

const HEALTH_OUTCOMES: HealthOutcome[] = ['healthy', 'drifted', 'qr_expired', 'failed'];

/**
 * `session_health_sweeps`: one `sweep` document per run of the session health schedule (global
 * counts, start and finish), and one `outcome` document per session it checked, tenant-scoped, with
 * `_id` `${sweepId}|${tenantId}|${sessionId}` so a retried batch rewrites rather than duplicates.
 * A `credential` document per official sender whose token the sweep checked (Meta debug_token),
 * `_id` `${sweepId}|${tenantId}|sender:${senderId}`.
 * Old sweeps are pruned by the sweep itself (FerretDB has no TTL indexes).
 */
export interface SessionHealthSweepDoc {
  _id: string;
  kind: 'sweep' | 'outcome' | 'credential';
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
  // kind 'credential' (tenantId, error and checkedAt as above): one official sender's token
  senderId?: string;
  provider?: string;
  credentialStatus?: CredentialStatus;
  expiresAt?: Date | null;
}

const schema = new Schema<SessionHealthSweepDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['sweep', 'outcome', 'credential'], required: true },
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
    senderId: String,
    provider: String,
    credentialStatus: { type: String, enum: CREDENTIAL_STATUSES },
    expiresAt: { type: Date, default: null },
  },
  { collection: 'session_health_sweeps', versionKey: false },
);

export function sessionHealthSweepModel(conn: Connection): Model<SessionHealthSweepDoc> {
  return (
    (conn.models.SessionHealthSweep as Model<SessionHealthSweepDoc> | undefined) ??
    conn.model<SessionHealthSweepDoc>('SessionHealthSweep', schema)
  );
}
