import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SessionHealthRepository } from '../src/db/repositories/session-health.repository';
import type { SessionRepository } from '../src/db/repositories/session.repository';
import {
  countOutcomes,
  type HealthCandidate,
  type HealthCounts,
  type SessionHealthOutcome,
  type SessionHealthSummary,
} from '../src/domain/session-health';
import { credentialOutcome, type CredentialHealthOutcome } from '../src/domain/credential-health';
import type { Logger } from '../src/logging/logger';
import type { GatewayRegistry } from '../src/providers/gateways/registry';
import { workflowIds } from '../src/temporal/workflow-ids';
import type { Metrics } from '../src/observability/metrics';
import {
  disconnectUpdate,
  gatewayEventSignal,
  getSessionQuery,
  restartUpdate,
} from '../workflows/session.definitions';

/**
 * Checks beyond WhatsApp Web sessions that a sweep runs: official-platform credentials (Meta
 * `debug_token`, activities/credential-health.check.ts). Each returns per-sender outcomes for the
 * sweep to store and count; a provider error is an outcome, not a throw.
 */
export interface CredentialHealthCheck {
  readonly name: string;
  run(now: Date): Promise<CredentialHealthOutcome[]>;
}

export interface SessionHealthActivityDeps {
  health: SessionHealthRepository;
  sessions: SessionRepository;
  gateways: GatewayRegistry;
  /** Signals and updates the session workflows. */
  temporal: Client;
  logger: Logger;
  credentialChecks?: CredentialHealthCheck[];
  /** How long a drifted session may take to record `disconnected` before an auto-restart (default 15 s). */
  restartWaitMs?: number;
}

export interface HealthBatchInput {
  sweepId: string;
  startedAt: string;
  items: HealthCandidate[];
  autoRestart: boolean;
}

/** Sessions checked at once within a batch (each check is one or two gateway calls). */
const PARALLEL = 5;

async function inPool<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The session health sweep's side effects. A gateway failure fails that session's check (outcome
 * `failed`), never the batch: only our own MongoDB or Temporal being unreachable fails an activity.
 */
export function createSessionHealthActivities(all: { health: SessionHealthActivityDeps; metrics?: Metrics }) {
  const deps = all.health;
  // After the outcomes are stored: a batch retried because storing failed is not counted twice.
  const counted = (outcomes: ReadonlyArray<Pick<SessionHealthOutcome, 'outcome'>>) => {
    for (const o of outcomes) all.metrics?.healthCheck(o.outcome);
  };
  const handle = (c: HealthCandidate) =>
    deps.temporal.workflow.getHandle(workflowIds.session(c.tenantId, c.sessionId));

  async function isRunning(c: HealthCandidate): Promise<boolean> {
    try {
      return (await handle(c).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** No workflow holds the session any more: correct the projection ourselves. */
  async function recordDirectly(c: HealthCandidate, code: string, message: string): Promise<void> {
    const rec = await deps.sessions.get(c.tenantId, c.sessionId);
    if (!rec) return;
    await deps.sessions.recordState({
      tenantId: c.tenantId,
      sessionId: c.sessionId,
      name: rec.name,
      gatewayKind: rec.gatewayKind,
      status: 'disconnected',
      qr: null,
      connectedAt: null,
      lastActivityAt: new Date().toISOString(),
      error: { code, message },
      attempt: rec.attempt,
      sessionData: { closedBy: 'session-health' },
      version: Date.now(),
    });
  }

  async function restartWhenDisconnected(c: HealthCandidate): Promise<boolean> {
    const deadline = Date.now() + (deps.restartWaitMs ?? 15_000);
    while (Date.now() < deadline) {
      const v = await handle(c).query(getSessionQuery);
      if (v.status === 'disconnected') {
        await handle(c).executeUpdate(restartUpdate);
        return true;
      }
      await sleep(200);
    }
    return false;
  }

  async function reportDrift(c: HealthCandidate, autoRestart: boolean, raw: string): Promise<string> {
    if (!(await isRunning(c))) {
      await recordDirectly(c, 'gateway_logged_out', `The health sweep found the gateway reporting ${raw}`);
      return 'recorded';
    }
    await handle(c).signal(gatewayEventSignal, {
      kind: 'logged_out',
      status: 'disconnected',
      at: new Date().toISOString(),
    });
    if (!autoRestart) return 'signalled';
    return (await restartWhenDisconnected(c)) ? 'restarted' : 'signalled';
  }

  async function closeStuck(c: HealthCandidate): Promise<string> {
    if (!(await isRunning(c))) {
      await recordDirectly(
        c,
        'qr_expired',
        'The QR code was not scanned in time (closed by the health sweep)',
      );
      return 'recorded';
    }
    try {
      await deps.temporal.withDeadline(Date.now() + 30_000, () => handle(c).executeUpdate(disconnectUpdate));
      return 'closed';
    } catch (err) {
      // Rejected as already disconnected: it closed itself meanwhile.
      if ((err as { cause?: { type?: string } }).cause?.type === 'SessionStateConflict') return 'none';
      throw err;
    }
  }

  async function checkOne(c: HealthCandidate, autoRestart: boolean): Promise<SessionHealthOutcome> {
    const base = { tenantId: c.tenantId, sessionId: c.sessionId, recordedStatus: c.status };
    const done = (o: Omit<SessionHealthOutcome, keyof typeof base | 'checkedAt'>): SessionHealthOutcome => ({
      ...base,
      ...o,
      checkedAt: new Date().toISOString(),
    });
    try {
      if (c.status !== 'connected') {
        return done({ outcome: 'qr_expired', gatewayStatus: null, action: await closeStuck(c), error: null });
      }
      const creds = await deps.sessions.getGatewayCredentials(c.tenantId, c.sessionId);
      if (!creds) return done({ outcome: 'healthy', gatewayStatus: null, action: 'none', error: null });
      let snap;
      try {
        snap = await deps.gateways.get(creds.gatewayKind).getSession(creds.gatewaySessionId, creds.token);
      } catch (err) {
        // ProviderError messages name the status and the gateway's text, never a key or token.
        return done({
          outcome: 'failed',
          gatewayStatus: null,
          action: 'none',
          error: (err as Error).message,
        });
      }
      if (snap?.status === 'connected')
        return done({ outcome: 'healthy', gatewayStatus: snap.rawStatus, action: 'none', error: null });
      const raw = snap?.rawStatus ?? 'MISSING';
      return done({
        outcome: 'drifted',
        gatewayStatus: raw,
        action: await reportDrift(c, autoRestart, raw),
        error: null,
      });
    } catch (err) {
      deps.logger.warn(
        { tenantId: c.tenantId, sessionId: c.sessionId, error: (err as Error).message },
        'session health check failed',
      );
      return done({ outcome: 'failed', gatewayStatus: null, action: 'none', error: (err as Error).message });
    }
  }

  return {
    async listHealthCandidates(input: {
      after: string | null;
      limit: number;
      qrExpiryMs: number;
    }): Promise<HealthCandidate[]> {
      return deps.health.listCandidates({
        after: input.after,
        limit: input.limit,
        stuckBefore: new Date(Date.now() - input.qrExpiryMs),
      });
    },

    async checkSessionHealthBatch(input: HealthBatchInput): Promise<HealthCounts> {
      const outcomes = await inPool(input.items, PARALLEL, (c) => checkOne(c, input.autoRestart));
      await deps.health.recordOutcomes(input.sweepId, input.startedAt, outcomes);
      counted(outcomes);
      return countOutcomes(outcomes);
    },

    /** Official credentials: stored per sender, counted with the sessions (flagged = drifted). */
    async checkCredentialHealth(input: { sweepId: string; startedAt: string }): Promise<HealthCounts> {
      const outcomes: CredentialHealthOutcome[] = [];
      for (const check of deps.credentialChecks ?? []) outcomes.push(...(await check.run(new Date())));
      await deps.health.recordCredentialOutcomes(input.sweepId, input.startedAt, outcomes);
      const mapped = outcomes.map((o) => ({ outcome: credentialOutcome(o.status) }));
      counted(mapped);
      return countOutcomes(mapped);
    },

    async finishHealthSweep(input: { summary: SessionHealthSummary; keepMs: number }): Promise<void> {
      await deps.health.recordSweep(input.summary);
      await deps.health.prune(new Date(Date.now() - input.keepMs));
      deps.logger.info({ ...input.summary }, 'session health sweep finished');
    },
  };
}
