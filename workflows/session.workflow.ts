import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SessionIdKey, SessionStatusKey, TenantIdKey } from '../src/temporal/search-attributes';
import {
  applyObservation,
  initialState,
  observationFromEvent,
  observationFromPoll,
  toView,
  type Observation,
} from './session-state';
import {
  SESSION_STATE_CONFLICT,
  deleteUpdate,
  disconnectUpdate,
  gatewayEventSignal,
  getSessionQuery,
  restartUpdate,
  type GatewayEvent,
  type SessionError,
  type SessionState,
  type SessionView,
  type SessionWorkflowInput,
} from './session.definitions';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

const conflict = (message: string) =>
  ApplicationFailure.create({ type: SESSION_STATE_CONFLICT, message, nonRetryable: true });

/** Failure types from activities/to-failure.ts (FailureTypes), as the cause the failed state names. */
function createFailure(err: unknown, attempts: number): SessionError {
  const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : null;
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  switch (cause?.type) {
    case 'ProviderAuth':
      return { code: 'gateway_auth_failed', message: `The gateway refused our credentials: ${why}` };
    case 'ProviderInvalidRequest':
    case 'ProviderPermanent':
      return { code: 'gateway_rejected', message: `The gateway rejected the session: ${why}` };
    default:
      return {
        code: 'gateway_unavailable',
        message: `The gateway could not be reached after ${attempts} attempts: ${why}`,
      };
  }
}

/**
 * One WhatsApp Web session, for as long as it exists: create on the gateway (retried) → wait for
 * the QR and the scan, by polling with backoff and by gateway-event signals, whichever comes first
 * → connected, health-polled → disconnect (update) or gateway logout → delete on the gateway →
 * disconnected, then idle until restarted or deleted. Continues-as-new when suggested.
 */
export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionView> {
  const { tenantId, sessionId, timing } = input;
  const s: SessionState = input.carried ?? initialState(input, Date.now());
  // Polls are repeated by the loop anyway: fail fast so expiry and commands are never held up by a dead gateway.
  const pollActs = proxyActivities<Activities>({
    startToCloseTimeout: timing.callTimeoutMs,
    retry: { initialInterval: '200ms', maximumAttempts: 2 },
  });
  const gatewayActs = proxyActivities<Activities>({
    startToCloseTimeout: timing.callTimeoutMs,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
  });
  let events: GatewayEvent[] = [];
  let disconnectRequested = false;
  let restartRequested = false;
  let deleteRequested = false;
  let deleted = false;
  let busy = false;

  const view = (): SessionView => toView(s, input);

  setHandler(getSessionQuery, view);
  setHandler(gatewayEventSignal, (e) => {
    events.push(e);
  });
  setHandler(
    disconnectUpdate,
    async () => {
      disconnectRequested = true;
      await condition(() => (s.status === 'disconnected' && !busy) || deleted);
      return view();
    },
    {
      validator: () => {
        if (deleteRequested) throw conflict('The session is being deleted');
        if (s.status === 'disconnected' && !busy) throw conflict('The session is already disconnected');
      },
    },
  );
  setHandler(
    restartUpdate,
    async () => {
      restartRequested = true;
      await condition(() => s.phase !== 'idle' || deleted);
      return view();
    },
    {
      validator: () => {
        if (deleteRequested) throw conflict('The session is being deleted');
        // Teardown sets phase and status together, so a restart may be accepted while its last write is in flight.
        if (s.phase !== 'idle' || restartRequested)
          throw conflict(`The session is ${s.status}; only a disconnected session can be restarted`);
      },
    },
  );
  setHandler(
    deleteUpdate,
    async () => {
      deleteRequested = true;
      await condition(() => deleted);
      return view();
    },
    {
      validator: () => {
        if (deleteRequested) throw conflict('The session is already being deleted');
      },
    },
  );

  const now = () => new Date(Date.now()).toISOString();

  async function record(): Promise<void> {
    s.version += 1;
    upsertSearchAttributes([
      { key: TenantIdKey, value: tenantId },
      { key: SessionIdKey, value: sessionId },
      { key: SessionStatusKey, value: s.status },
    ]);
    await acts.recordSessionState({
      tenantId,
      sessionId,
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

  /** Delete on the gateway (if it holds a session), then `disconnected` with the given reason. */
  async function teardown(reason: SessionError | null): Promise<void> {
    busy = true;
    s.error = reason;
    if (s.gatewayCreated) {
      try {
        await gatewayActs.deleteGatewaySession({ tenantId, sessionId });
        s.gatewayCreated = false;
      } catch (err) {
        s.error = {
          code: 'gateway_cleanup_failed',
          message: `Deleting the session on the gateway failed: ${(err as Error).message}`,
        };
      }
    }
    s.status = 'disconnected';
    s.phase = 'idle';
    s.qr = null;
    s.connectedAt = null;
    s.lastActivityAt = now();
    await record();
    busy = false;
  }

  /** Applies one observation; true when the visible state changed. A lost session is torn down. */
  async function apply(o: Observation): Promise<boolean> {
    if (o.lost) {
      if (o.rawStatus !== undefined) s.rawStatus = o.rawStatus;
      await teardown(o.lost);
      return true;
    }
    return applyObservation(s, o, now());
  }

  /** Drains queued gateway events; records once if anything changed. */
  async function processEvents(): Promise<void> {
    const batch = events;
    events = [];
    let changed = false;
    for (const e of batch) {
      if (s.phase !== 'waiting' && s.phase !== 'connected') break;
      const o = observationFromEvent(s, e);
      if (!o) continue;
      if (o.lost) {
        await apply(o);
        return;
      }
      changed = (await apply(o)) || changed;
    }
    if (changed) await record();
  }

  async function poll(): Promise<boolean> {
    let o: Observation;
    try {
      o = observationFromPoll(await pollActs.fetchGatewaySession({ tenantId, sessionId }));
    } catch (err) {
      log.warn('gateway poll failed; will poll again', { sessionId, error: (err as Error).message });
      return false;
    }
    const changed = await apply(o);
    if (changed && !o.lost) await record();
    return changed;
  }

  async function startAttempt(): Promise<void> {
    s.status = 'creating';
    s.error = null;
    s.qr = null;
    s.connectedAt = null;
    s.rawStatus = null;
    s.lastActivityAt = now();
    await record();
    const create = proxyActivities<Activities>({
      startToCloseTimeout: timing.callTimeoutMs,
      retry: {
        initialInterval: timing.createInitialIntervalMs,
        backoffCoefficient: 2,
        maximumInterval: Math.max(timing.createInitialIntervalMs, 60_000),
        maximumAttempts: timing.createMaxAttempts,
      },
    });
    try {
      await create.createGatewaySession({
        tenantId,
        sessionId,
        name: input.name,
        gatewayKind: input.gatewayKind,
      });
    } catch (err) {
      s.status = 'disconnected';
      s.phase = 'idle';
      s.error = createFailure(err, timing.createMaxAttempts);
      await record();
      return;
    }
    s.gatewayCreated = true;
    s.attemptStartedAt = Date.now();
    s.pollDelayMs = timing.pollInitialMs;
    s.status = 'connecting';
    s.phase = 'waiting';
    await record();
  }

  async function waitForScan(): Promise<void> {
    const deadline = (s.attemptStartedAt ?? Date.now()) + timing.qrExpiryMs;
    while (s.phase === 'waiting' && !deleteRequested) {
      if (disconnectRequested) {
        disconnectRequested = false;
        await teardown(null);
        return;
      }
      if (events.length > 0) {
        await processEvents();
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        await teardown({
          code: 'qr_expired',
          message: `The QR code was not scanned within ${Math.round(timing.qrExpiryMs / 1000)} s`,
        });
        return;
      }
      const woke = await condition(
        () => events.length > 0 || disconnectRequested || deleteRequested,
        Math.min(s.pollDelayMs, remaining),
      );
      if (woke || Date.now() >= deadline) continue;
      const changed = await poll();
      s.pollDelayMs = changed ? timing.pollInitialMs : Math.min(s.pollDelayMs * 2, timing.pollMaxMs);
    }
  }

  async function stayConnected(): Promise<'continue-as-new' | void> {
    while (s.phase === 'connected' && !deleteRequested) {
      if (disconnectRequested) {
        disconnectRequested = false;
        await teardown(null);
        return;
      }
      if (events.length > 0) {
        await processEvents();
        continue;
      }
      if (workflowInfo().continueAsNewSuggested) return 'continue-as-new';
      const woke = await condition(
        () => events.length > 0 || disconnectRequested || deleteRequested,
        timing.connectedPollMs,
      );
      if (!woke) await poll();
    }
  }

  async function idle(): Promise<'continue-as-new' | void> {
    disconnectRequested = false;
    events = []; // nothing to apply to a session the gateway no longer holds
    if (workflowInfo().continueAsNewSuggested && !restartRequested && !deleteRequested)
      return 'continue-as-new';
    await condition(() => restartRequested || deleteRequested || disconnectRequested || events.length > 0);
    if (restartRequested && !deleteRequested) {
      restartRequested = false;
      s.attempt += 1;
      s.phase = 'start';
      s.status = 'creating';
      s.error = null;
    }
  }

  upsertSearchAttributes([
    { key: TenantIdKey, value: tenantId },
    { key: SessionIdKey, value: sessionId },
    { key: SessionStatusKey, value: s.status },
  ]);

  for (;;) {
    if (deleteRequested) {
      if (s.gatewayCreated || s.phase !== 'idle') await teardown(null);
      await acts.removeSessionRecord({ tenantId, sessionId });
      deleted = true;
      await condition(allHandlersFinished);
      return view();
    }
    let next: 'continue-as-new' | void = undefined;
    if (s.phase === 'start') await startAttempt();
    else if (s.phase === 'waiting') await waitForScan();
    else if (s.phase === 'connected') next = await stayConnected();
    else next = await idle();

    if (next === 'continue-as-new') {
      // A pending command is served first (its handler waits on this loop); continue-as-new later.
      const pending = () => disconnectRequested || deleteRequested || restartRequested || events.length > 0;
      await condition(() => allHandlersFinished() || pending());
      if (!pending()) {
        await continueAsNew<typeof sessionWorkflow>({ ...input, carried: s });
      }
    }
  }
}
