import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { SessionIdKey, SessionStatusKey, TenantIdKey } from '../src/temporal/search-attributes';
import { createFailure, sessionCalls, type SessionCalls } from './session-calls';
import {
  applyObservation,
  observationFromEvent,
  observationFromPoll,
  type Observation,
} from './session-state';
import type { GatewayEvent, SessionError, SessionState, SessionWorkflowInput } from './session.definitions';

export const now = () => new Date(Date.now()).toISOString();

/**
 * What a session does outside its own state, for SessionEntity: records the projection (and the
 * search attributes), creates, polls and deletes the session on the gateway, and applies what the
 * gateway reports. Each method's activities, in order, are part of the workflow's history.
 */
export class SessionEffects {
  private readonly calls: SessionCalls;
  private readonly key: { tenantId: string; sessionId: string };
  /** A teardown is under way (a disconnect is answered once its result is recorded). */
  tearingDown = false;

  constructor(
    private readonly s: SessionState,
    private readonly input: SessionWorkflowInput,
  ) {
    this.calls = sessionCalls(input.timing);
    this.key = { tenantId: input.tenantId, sessionId: input.sessionId };
  }

  set(patch: Partial<SessionState>): void {
    Object.assign(this.s, patch);
  }

  upsertSearchAttributes(): void {
    upsertSearchAttributes([
      { key: TenantIdKey, value: this.input.tenantId },
      { key: SessionIdKey, value: this.input.sessionId },
      { key: SessionStatusKey, value: this.s.status },
    ]);
  }

  async record(): Promise<void> {
    const { s, input } = this;
    s.version += 1;
    this.upsertSearchAttributes();
    await this.calls.store.recordSessionState({
      ...this.key,
      name: input.name,
      gatewayKind: input.gatewayKind,
      status: s.status,
      qr: s.qr,
      connectedAt: s.connectedAt,
      lastActivityAt: s.lastActivityAt,
      error: s.error,
      attempt: s.attempt,
      sessionData: { rawStatus: s.rawStatus, attempt: s.attempt, phase: s.phase },
      version: s.version,
    });
  }

  async removeRecord(): Promise<void> {
    await this.calls.store.removeSessionRecord(this.key);
  }

  /** Creates the session on the gateway (retried per the timing); the failure it ended with, or null. */
  async create(): Promise<SessionError | null> {
    const { name, gatewayKind, timing } = this.input;
    try {
      await this.calls.create.createGatewaySession({ ...this.key, name, gatewayKind });
      return null;
    } catch (err) {
      return createFailure(err, timing.createMaxAttempts);
    }
  }

  /** Delete on the gateway (if it holds a session), then `disconnected` with the given reason. */
  async teardown(reason: SessionError | null): Promise<void> {
    const s = this.s;
    this.tearingDown = true;
    s.error = reason;
    if (s.gatewayCreated) {
      try {
        await this.calls.gateway.deleteGatewaySession(this.key);
        s.gatewayCreated = false;
      } catch (err) {
        s.error = {
          code: 'gateway_cleanup_failed',
          message: `Deleting the session on the gateway failed: ${(err as Error).message}`,
        };
      }
    }
    this.set({ status: 'disconnected', phase: 'idle', qr: null, connectedAt: null, lastActivityAt: now() });
    await this.record();
    this.tearingDown = false;
  }

  /** Applies gateway events in order; records once if anything changed. */
  async applyEvents(batch: GatewayEvent[]): Promise<void> {
    let changed = false;
    for (const e of batch) {
      if (this.s.phase !== 'waiting' && this.s.phase !== 'connected') break;
      const o = observationFromEvent(this.s, e);
      if (!o) continue;
      if (o.lost) {
        await this.apply(o);
        return;
      }
      changed = (await this.apply(o)) || changed;
    }
    if (changed) await this.record();
  }

  /** Polls the gateway and applies what it reports; true when the visible state changed. */
  async poll(): Promise<boolean> {
    let o: Observation;
    try {
      o = observationFromPoll(await this.calls.poll.fetchGatewaySession(this.key));
    } catch (err) {
      const error = (err as Error).message;
      log.warn('gateway poll failed; will poll again', { sessionId: this.input.sessionId, error });
      return false;
    }
    const changed = await this.apply(o);
    if (changed && !o.lost) await this.record();
    return changed;
  }

  /** Applies one observation; true when the visible state changed. A lost session is torn down. */
  private async apply(o: Observation): Promise<boolean> {
    if (!o.lost) return applyObservation(this.s, o, now());
    if (o.rawStatus !== undefined) this.s.rawStatus = o.rawStatus;
    await this.teardown(o.lost);
    return true;
  }
}
