import type { Connection } from 'mongoose';
import type { CredentialHealthOutcome, CredentialStatus } from '../../domain/credential-health';
import {
  countOutcomes,
  emptyCounts,
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

/** A tenant's view of the latest finished sweep; before the first one, its ids and times are null. */
export interface TenantHealthView extends HealthCounts {
  sweepId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  sessions: Array<Omit<SessionHealthOutcome, 'tenantId'>>;
  /** Official senders' credential checks of that sweep. */
  credentials: Array<Omit<CredentialHealthOutcome, 'tenantId'>>;
}

/** The view before any sweep has finished: nothing checked yet, in the same shape. */
export const noSweepYet = (): TenantHealthView => ({
  sweepId: null,
  startedAt: null,
  finishedAt: null,
  ...emptyCounts(),
  sessions: [],
  credentials: [],
});

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The sweep's reads of `whatsapp_sessions` (across tenants: the sweep is the operator's, its
 * results are stored per tenant) and its writes to `session_health_sweeps`.
 */
export function createSessionHealthRepository(conn: Connection) {
  const Session = whatsappSessionModel(conn);
  const Sweep = sessionHealthSweepModel(conn);
  const latestSweep = () =>
    Sweep.findOne({ kind: 'sweep', finishedAt: { $ne: null } })
      .sort({ finishedAt: -1 })
      .lean();

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

    /** Idempotent per (sweep, tenant, sender). */
    async recordCredentialOutcomes(
      sweepId: string,
      startedAt: string,
      outcomes: CredentialHealthOutcome[],
    ): Promise<void> {
      await Promise.all(
        outcomes.map((o) =>
          Sweep.updateOne(
            { _id: `${sweepId}|${o.tenantId}|sender:${o.senderId}` },
            {
              $set: {
                kind: 'credential',
                sweepId,
                startedAt: new Date(startedAt),
                finishedAt: null,
                tenantId: o.tenantId,
                senderId: o.senderId,
                provider: o.provider,
                credentialStatus: o.status,
                expiresAt: o.expiresAt ? new Date(o.expiresAt) : null,
                error: o.error,
                checkedAt: new Date(o.checkedAt),
              },
            },
            { upsert: true },
          ),
        ),
      );
    },

    /** Every tenant's credential statuses of the latest finished sweep (the operator's gauge). */
    async latestCredentialStatuses(): Promise<
      Array<{ tenantId: string; senderId: string; status: CredentialStatus }>
    > {
      const sweep = await latestSweep();
      if (!sweep) return [];
      const docs = await Sweep.find({ kind: 'credential', sweepId: sweep.sweepId }).lean();
      return docs.map((d) => ({
        tenantId: d.tenantId as string,
        senderId: d.senderId as string,
        status: d.credentialStatus as CredentialStatus,
      }));
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

    /** The latest finished sweep as one tenant sees it: its own sessions only; `noSweepYet` before the first. */
    async latestForTenant(
      tenantId: string,
      opts: { outcome?: HealthOutcome; limit: number },
    ): Promise<TenantHealthView> {
      const sweep = await latestSweep();
      if (!sweep) return noSweepYet();
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
      const creds = await Sweep.find({ kind: 'credential', sweepId: sweep.sweepId, tenantId })
        .sort({ senderId: 1 })
        .limit(opts.limit)
        .lean();
      return {
        sweepId: sweep.sweepId,
        startedAt: sweep.startedAt.toISOString(),
        finishedAt: iso(sweep.finishedAt) as string,
        ...countOutcomes(all),
        sessions: shown,
        credentials: creds.map((d) => ({
          senderId: d.senderId as string,
          provider: d.provider as string,
          status: d.credentialStatus as CredentialStatus,
          expiresAt: iso(d.expiresAt),
          error: d.error ?? null,
          checkedAt: iso(d.checkedAt) as string,
        })),
      };
    },
  };
}

export type SessionHealthRepository = ReturnType<typeof createSessionHealthRepository>;
