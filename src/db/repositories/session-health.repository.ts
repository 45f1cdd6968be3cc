import type { Connection } from 'mongoose';
import {
  countOutcomes,
  type HealthCandidate,
  type HealthCounts,
  type HealthOutcome,
  type SessionHealthOutcome,
  type SessionHealthSummary,
} from '../../domain/session-health';
import type { SessionStatus } from '../../domain/session-status';
import { sessionHealthSweepModel } from '../models/session-health-sweep.model';
import { whatsappSessionModel } from '../models/whatsapp-session.model';

/** Statuses of a session waiting for its QR to be scanned. */
const WAITING: SessionStatus[] = ['creating', 'connecting', 'pending', 'generating_qr'];

export interface TenantHealthView extends HealthCounts {
  sweepId: string;
  startedAt: string;
  finishedAt: string;
  sessions: Array<Omit<SessionHealthOutcome, 'tenantId'>>;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The sweep's reads of `whatsapp_sessions` (across tenants: the sweep is the operator's, its
 * results are stored per tenant) and its writes to `session_health_sweeps`.
 */
export function createSessionHealthRepository(conn: Connection) {
  const Session = whatsappSessionModel(conn);
  const Sweep = sessionHealthSweepModel(conn);

  return {
    /**
     * One page of sessions to check, by projection key: every `connected` one, and those waiting
     * for a scan whose record has not moved since `stuckBefore`.
     */
    async listCandidates(opts: {
      after: string | null;
      limit: number;
      stuckBefore: Date;
    }): Promise<HealthCandidate[]> {
      const filter: Record<string, unknown> = {
        $or: [{ status: 'connected' }, { status: { $in: WAITING }, updatedAt: { $lt: opts.stuckBefore } }],
      };
      if (opts.after) filter._id = { $gt: opts.after };
      const docs = await Session.find(filter)
        .select({ tenantId: 1, sessionId: 1, status: 1 })
        .sort({ _id: 1 })
        .limit(opts.limit)
        .lean();
      return docs.map((d) => ({
        key: d._id,
        tenantId: d.tenantId,
        sessionId: d.sessionId,
        status: d.status,
      }));
    },

    /** Idempotent per (sweep, tenant, session). */
    async recordOutcomes(
      sweepId: string,
      startedAt: string,
      outcomes: SessionHealthOutcome[],
    ): Promise<void> {
      await Promise.all(
        outcomes.map((o) =>
          Sweep.updateOne(
            { _id: `${sweepId}|${o.tenantId}|${o.sessionId}` },
            {
              $set: {
                kind: 'outcome',
                sweepId,
                startedAt: new Date(startedAt),
                finishedAt: null,
                tenantId: o.tenantId,
                sessionId: o.sessionId,
                outcome: o.outcome,
                recordedStatus: o.recordedStatus,
                gatewayStatus: o.gatewayStatus,
                action: o.action,
                error: o.error,
                checkedAt: new Date(o.checkedAt),
              },
            },
            { upsert: true },
          ),
        ),
      );
    },

    async recordSweep(s: SessionHealthSummary): Promise<void> {
      const { sweepId, startedAt, finishedAt, ...counts } = s;
      await Sweep.updateOne(
        { _id: sweepId },
        {
          $set: {
            kind: 'sweep',
            sweepId,
            startedAt: new Date(startedAt),
            finishedAt: new Date(finishedAt),
            ...counts,
          },
        },
        { upsert: true },
      );
    },

    /** Drops sweeps (and their outcomes) started before `before`. */
    async prune(before: Date): Promise<number> {
      const res = await Sweep.deleteMany({ startedAt: { $lt: before } });
      return res.deletedCount;
    },

    /** The latest finished sweep as one tenant sees it: its own sessions only. Null before the first. */
    async latestForTenant(
      tenantId: string,
      opts: { outcome?: HealthOutcome; limit: number },
    ): Promise<TenantHealthView | null> {
      const sweep = await Sweep.findOne({ kind: 'sweep', finishedAt: { $ne: null } })
        .sort({ finishedAt: -1 })
        .lean();
      if (!sweep) return null;
      const docs = await Sweep.find({ kind: 'outcome', sweepId: sweep.sweepId, tenantId })
        .sort({ sessionId: 1 })
        .lean();
      const all = docs.map((d) => ({
        sessionId: d.sessionId as string,
        outcome: d.outcome as HealthOutcome,
        recordedStatus: d.recordedStatus as SessionStatus,
        gatewayStatus: d.gatewayStatus ?? null,
        action: d.action ?? 'none',
        error: d.error ?? null,
        checkedAt: iso(d.checkedAt) as string,
      }));
      const shown = (opts.outcome ? all.filter((o) => o.outcome === opts.outcome) : all).slice(0, opts.limit);
      return {
        sweepId: sweep.sweepId,
        startedAt: sweep.startedAt.toISOString(),
        finishedAt: iso(sweep.finishedAt) as string,
        ...countOutcomes(all),
        sessions: shown,
      };
    },
  };
}

export type SessionHealthRepository = ReturnType<typeof createSessionHealthRepository>;
