import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { SessionEffects, now } from './session-effects';
import { initialState, toView } from './session-state';
import {
  SESSION_STATE_CONFLICT,
  deleteUpdate,
  disconnectUpdate,
  gatewayEventSignal,
  getSessionQuery,
  restartUpdate,
  type GatewayEvent,
  type SessionState,
  type SessionView,
  type SessionWorkflowInput,
} from './session.definitions';

/** What a phase asks of the loop when it returns. */
type Next = 'continue-as-new' | void;

const conflict = (message: string) =>
  ApplicationFailure.create({ type: SESSION_STATE_CONFLICT, message, nonRetryable: true });

/**
 * One WhatsApp Web session, for as long as it exists: create on the gateway (retried) → wait for
 * the QR and the scan, by polling with backoff and by gateway-event signals, whichever comes first
 * → connected, health-polled → disconnect (update) or gateway logout → delete on the gateway →
 * disconnected, then idle until restarted or deleted. Continues-as-new when suggested.
 *
 * `SessionState.phase` picks what the loop does next. Updates only mark a command pending and
 * wait; the loop serves it at its next turn. The order of activities and timers is what histories
 * of running sessions hold: change it only behind a workflow patch.
 */
export class SessionEntity {
  private readonly s: SessionState;
  private readonly fx: SessionEffects;
  /** Gateway events received and not yet applied. */
  private events: GatewayEvent[] = [];
  /** Commands accepted by an update and not yet served by the loop. */
  private readonly pending = { disconnect: false, restart: false, delete: false };
  /** The projection is removed; the workflow ends once its handlers have answered. */
  private deleted = false;

  constructor(private readonly input: SessionWorkflowInput) {
    this.s = input.carried ?? initialState(input, Date.now());
    this.fx = new SessionEffects(this.s, input);
  }

  async run(): Promise<SessionView> {
    this.registerHandlers();
    this.fx.upsertSearchAttributes();
    for (;;) {
      if (this.pending.delete) return this.finishDeleting();
      if ((await this.step()) === 'continue-as-new') await this.continueAsNewWhenQuiet();
    }
  }

  // Handlers: the query, the signal and the three updates.

  private registerHandlers(): void {
    setHandler(getSessionQuery, () => this.view());
    setHandler(gatewayEventSignal, (e) => {
      this.events.push(e);
    });
    setHandler(disconnectUpdate, () => this.disconnect(), { validator: () => this.validateDisconnect() });
    setHandler(restartUpdate, () => this.restart(), { validator: () => this.validateRestart() });
    setHandler(deleteUpdate, () => this.delete(), { validator: () => this.validateDelete() });
  }

  private view(): SessionView {
    return toView(this.s, this.input);
  }

  private async disconnect(): Promise<SessionView> {
    this.pending.disconnect = true;
    await condition(() => this.settledDisconnected() || this.deleted);
    return this.view();
  }

  private validateDisconnect(): void {
    if (this.pending.delete) throw conflict('The session is being deleted');
    if (this.settledDisconnected()) throw conflict('The session is already disconnected');
  }

  /** Disconnected, with no teardown still recording its result. */
  private settledDisconnected(): boolean {
    return this.s.status === 'disconnected' && !this.fx.tearingDown;
  }

  private async restart(): Promise<SessionView> {
    this.pending.restart = true;
    await condition(() => this.s.phase !== 'idle' || this.deleted);
    return this.view();
  }

  private validateRestart(): void {
    if (this.pending.delete) throw conflict('The session is being deleted');
    // Teardown sets phase and status together, so a restart may be accepted while its last write is in flight.
    if (this.s.phase !== 'idle' || this.pending.restart)
      throw conflict(`The session is ${this.s.status}; only a disconnected session can be restarted`);
  }

  private async delete(): Promise<SessionView> {
    this.pending.delete = true;
    await condition(() => this.deleted);
    return this.view();
  }

  private validateDelete(): void {
    if (this.pending.delete) throw conflict('The session is already being deleted');
  }

  // The loop: one phase per turn.

  private step(): Promise<Next> {
    switch (this.s.phase) {
      case 'start':
        return this.startAttempt();
      case 'waiting':
        return this.waitForScan();
      case 'connected':
        return this.stayConnected();
      default:
        return this.idle();
    }
  }

  private async startAttempt(): Promise<void> {
    const { fx } = this;
    fx.set({
      status: 'creating',
      error: null,
      qr: null,
      connectedAt: null,
      rawStatus: null,
      lastActivityAt: now(),
    });
    await fx.record();
    const error = await fx.create();
    if (error) {
      fx.set({ status: 'disconnected', phase: 'idle', error });
    } else {
      const attemptStartedAt = Date.now();
      const pollDelayMs = this.input.timing.pollInitialMs;
      fx.set({ gatewayCreated: true, attemptStartedAt, pollDelayMs, status: 'connecting', phase: 'waiting' });
    }
    await fx.record();
  }

  private async waitForScan(): Promise<void> {
    const { timing } = this.input;
    const deadline = (this.s.attemptStartedAt ?? Date.now()) + timing.qrExpiryMs;
    while (this.s.phase === 'waiting' && !this.pending.delete) {
      if (await this.serveCommands()) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seconds = Math.round(timing.qrExpiryMs / 1000);
        await this.fx.teardown({
          code: 'qr_expired',
          message: `The QR code was not scanned within ${seconds} s`,
        });
        return;
      }
      const woke = await this.commandOrTimeout(Math.min(this.s.pollDelayMs, remaining));
      if (woke || Date.now() >= deadline) continue;
      const changed = await this.fx.poll();
      this.s.pollDelayMs = changed
        ? timing.pollInitialMs
        : Math.min(this.s.pollDelayMs * 2, timing.pollMaxMs);
    }
  }

  private async stayConnected(): Promise<Next> {
    while (this.s.phase === 'connected' && !this.pending.delete) {
      if (await this.serveCommands()) continue;
      if (workflowInfo().continueAsNewSuggested) return 'continue-as-new';
      if (!(await this.commandOrTimeout(this.input.timing.connectedPollMs))) await this.fx.poll();
    }
  }

  private async idle(): Promise<Next> {
    const { pending } = this;
    pending.disconnect = false;
    this.events = []; // nothing to apply to a session the gateway no longer holds
    if (workflowInfo().continueAsNewSuggested && !pending.restart && !pending.delete)
      return 'continue-as-new';
    await condition(() => pending.restart || pending.delete || pending.disconnect || this.events.length > 0);
    if (pending.restart && !pending.delete) {
      pending.restart = false;
      this.fx.set({ attempt: this.s.attempt + 1, phase: 'start', status: 'creating', error: null });
    }
  }

  private async finishDeleting(): Promise<SessionView> {
    if (this.s.gatewayCreated || this.s.phase !== 'idle') await this.fx.teardown(null);
    await this.fx.removeRecord();
    this.deleted = true;
    await condition(allHandlersFinished);
    return this.view();
  }

  /** A pending command is served first (its handler waits on this loop); continue-as-new later. */
  private async continueAsNewWhenQuiet(): Promise<void> {
    const { pending } = this;
    const busy = () => pending.disconnect || pending.delete || pending.restart || this.events.length > 0;
    await condition(() => allHandlersFinished() || busy());
    if (!busy()) {
      await continueAsNew<(input: SessionWorkflowInput) => Promise<SessionView>>({
        ...this.input,
        carried: this.s,
      });
    }
  }

  // What the waiting and connected phases share.

  /** Serves a pending disconnect, else applies queued events; true when it did either. */
  private async serveCommands(): Promise<boolean> {
    if (this.pending.disconnect) {
      this.pending.disconnect = false;
      await this.fx.teardown(null); // leaves the phase idle, which ends the caller's loop
      return true;
    }
    if (this.events.length === 0) return false;
    const batch = this.events;
    this.events = [];
    await this.fx.applyEvents(batch);
    return true;
  }

  /** Sleeps up to `ms`; true when woken early by an event, a disconnect or a delete. */
  private commandOrTimeout(ms: number): Promise<boolean> {
    return condition(() => this.events.length > 0 || this.pending.disconnect || this.pending.delete, ms);
  }
}
