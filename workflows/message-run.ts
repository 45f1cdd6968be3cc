import { condition, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { canTransition, isFinalStatus, type MessageStatusEvent } from '../src/domain/message';
import { MessageEffects, db, now } from './message-effects';
import { ROUND_RETRY_TYPES, RETRYABLE_TYPES, failureOf, type RoundFailure } from './message-failure';
import {
  cancelMessageUpdate,
  getMessageStateQuery,
  messageStatusesSignal,
  type MessageState,
  type MessageWorkflowInput,
} from './message.definitions';

const DEFAULT_VALIDITY_MS = 4 * 3_600_000;

type PermitAsk = Parameters<Activities['requestSendPermit']>[0];
type Permit = Awaited<ReturnType<Activities['requestSendPermit']>>;

/**
 * One run of the message workflow (see messageWorkflow for the rounds, the limiter and the
 * follow): record queued → send rounds → record sent → follow statuses. The order of its local
 * activities, activities, timers and search-attribute upserts is what histories of running
 * messages hold: change it only behind a workflow patch.
 */
export class MessageRun {
  private readonly state: MessageState = {
    status: 'queued',
    providerMessageId: null,
    sendStarted: false,
    error: null,
    rounds: 0,
    retrying: null,
  };
  /** Statuses received and not yet applied. */
  private readonly events: MessageStatusEvent[] = [];
  private cancelRequested = false;
  private readonly fx: MessageEffects;
  private readonly permitAsk: PermitAsk;
  /** The wait before the next round after a transient failure (capped exponential). */
  private backoffMs: number;

  constructor(private readonly input: MessageWorkflowInput) {
    this.fx = new MessageEffects(this.state, input);
    this.backoffMs = input.settings.initialRetryMs;
    this.permitAsk = {
      tenantId: input.tenantId,
      senderId: input.senderId,
      provider: input.provider,
      ticket: workflowInfo().workflowId,
      priority: input.priority,
      acceptedAt: Date.parse(input.acceptedAt),
    };
  }

  /** Status callbacks still in flight. */
  get notifications(): Promise<unknown>[] {
    return this.fx.notifications;
  }

  async run(): Promise<MessageState> {
    this.registerHandlers();
    const { tenantId, messageId } = this.input;
    const { recorded, permit } = await db.recordMessageQueued({
      ...this.input,
      workflowId: workflowInfo().workflowId,
      permit: this.permitAsk,
    });
    if (recorded === 'rejected') {
      // The database refused the message itself (e.g. input the API should have refused): a minimal
      // failed record without content was written instead, so the message ends in a visible state.
      this.state.error = {
        code: 'unstorable_input',
        message: 'The message could not be stored',
        retryable: false,
      };
      this.fx.setStatus('failed');
      return this.state;
    }
    this.fx.notify(this.input.acceptedAt);

    const providerMessageId = await this.sendRounds(permit);
    if (providerMessageId === null) return this.state;
    this.state.retrying = null;
    this.state.providerMessageId = providerMessageId;
    await db.recordMessageSent({ tenantId, messageId, providerMessageId, at: now() });
    this.fx.setStatus('sent', now(), providerMessageId);
    // Nothing will follow (the provider never acknowledges delivery): the message is done once sent.
    if (this.input.followStatuses === false) return this.state;
    await this.followStatuses(providerMessageId);
    return this.state;
  }

  private registerHandlers(): void {
    // Statuses of one webhook delivery come as one signal: one workflow task for the burst.
    setHandler(messageStatusesSignal, (evs) => void this.events.push(...evs));
    setHandler(getMessageStateQuery, () => this.state);
    setHandler(
      cancelMessageUpdate,
      () => {
        this.cancelRequested = true;
        return { ...this.state, status: 'cancelled' as const };
      },
      {
        validator: () => {
          if (this.state.status !== 'queued' || this.state.sendStarted)
            throw new Error(`message is ${this.state.sendStarted ? 'being sent' : this.state.status}`);
        },
      },
    );
  }

  /**
   * Rounds until one sends: its provider message id; null when the message ended instead (failed
   * or cancelled). A round waits for its permit, then makes one send activity.
   */
  private async sendRounds(firstPermit: Permit | undefined): Promise<string | null> {
    const { tenantId, messageId, settings } = this.input;
    let permit = firstPermit;
    for (;;) {
      permit ??= await db.requestSendPermit(this.permitAsk);
      // Not this message's turn yet: sleep durably for the wait the limiter estimated, then ask again.
      while (!permit.granted) {
        if (await condition(() => this.cancelRequested, permit.waitMs)) return this.cancelled(true);
        permit = await db.requestSendPermit({ ...this.permitAsk, waited: true });
      }
      permit = undefined;
      if (this.cancelRequested) return this.cancelled(false);

      this.state.sendStarted = true;
      this.state.rounds = (this.state.rounds ?? 0) + 1;
      try {
        const { providerMessageId } = await this.fx.send({
          provider: this.input.provider,
          tenantId,
          messageId,
          senderId: this.input.senderId,
          to: this.input.to,
          content: this.input.content,
          attemptsPerRound: settings.maxAttempts,
        });
        return providerMessageId;
      } catch (err) {
        this.state.sendStarted = false;
        if (!(await this.retryAfter(failureOf(err)))) return null;
      }
    }
  }

  private async cancelled(inLine: boolean): Promise<null> {
    await this.fx.cancel(inLine);
    return null;
  }

  /**
   * A round failed with `f`: fails the message (permanent, or its validity has passed) or waits
   * for the next round. True when another round follows, false when the message ended.
   */
  private async retryAfter(f: RoundFailure): Promise<boolean> {
    const { tenantId, messageId, settings } = this.input;
    if (!ROUND_RETRY_TYPES.has(f.type)) {
      await this.fx.fail({ code: f.code, message: f.message, retryable: RETRYABLE_TYPES.has(f.type) });
      return false;
    }
    const validityMs = this.input.validityMs ?? settings.validityMs ?? DEFAULT_VALIDITY_MS;
    const left = workflowInfo().runStartTime.getTime() + validityMs - Date.now();
    if (left <= 0) {
      await this.fx.fail({
        code: 'expired',
        message: `Not sent within its validity of ${Math.round(validityMs / 1000)} s; last error: ${f.message}`,
        retryable: true,
      });
      return false;
    }
    // Rate limited: the provider's wait. Transient: capped exponential backoff. Either way one
    // last round at the deadline rather than none.
    const waitMs = Math.min(
      f.type === 'ProviderRateLimited' ? Math.max(f.retryAfterMs ?? this.backoffMs, 1) : this.backoffMs,
      left,
    );
    this.backoffMs = Math.min(this.backoffMs * 2, settings.maxRetryMs);
    const nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
    this.state.retrying = { code: f.code, message: f.message, nextAttemptAt };
    await db.recordMessageRetrying({
      tenantId,
      messageId,
      rounds: this.state.rounds ?? 0,
      errorCode: f.code,
      errorMessage: f.message,
      nextAttemptAt,
    });
    if (await condition(() => this.cancelRequested, waitMs)) {
      await this.fx.cancel(false);
      return false;
    }
    return true;
  }

  /**
   * Delivery statuses, as signals, until a final one or the status timeout — or until `delivered`
   * when the run does not follow `read` (no status callback to make: a later read goes to the record).
   */
  private async followStatuses(providerMessageId: string): Promise<void> {
    // One timer for the whole follow (not one per wait: each would cost a start and a cancel event).
    let followed = false;
    void sleep(this.input.settings.statusTimeoutMs).then(() => void (followed = true));
    const done = () =>
      isFinalStatus(this.state.status) ||
      (this.input.followRead === false && this.state.status === 'delivered');
    while (!done()) {
      await condition(() => this.events.length > 0 || followed);
      if (this.events.length === 0) break;
      await this.applyStatuses(this.events.splice(0), providerMessageId);
    }
    // Statuses that came in the same task as the one that ended the follow are applied, not dropped.
    if (this.events.length > 0) await this.applyStatuses(this.events.splice(0), providerMessageId);
  }

  /**
   * Statuses that came together are applied together: one record write and one search-attribute
   * upsert for the furthest of them (a callback still goes out for each).
   */
  private async applyStatuses(batch: MessageStatusEvent[], providerMessageId: string): Promise<void> {
    const { tenantId, messageId } = this.input;
    let deliveredAt: string | undefined;
    let reached: { status: 'delivered' | 'read'; at: string } | null = null;
    for (const ev of batch) {
      if (ev.providerMessageId !== providerMessageId || !canTransition(this.state.status, ev.status))
        continue;
      if (ev.status === 'failed') {
        if (reached) await db.recordMessageDelivery({ tenantId, messageId, ...reached, deliveredAt });
        reached = null;
        await this.fx.fail(
          { code: ev.error?.code ?? null, message: ev.error?.message ?? 'failed', retryable: false },
          ev.at,
        );
        continue;
      }
      if (ev.status !== 'delivered' && ev.status !== 'read') continue;
      if (ev.status === 'delivered') deliveredAt = ev.at;
      reached = { status: ev.status, at: ev.at };
      this.state.status = ev.status;
      this.fx.notify(ev.at);
    }
    if (reached) {
      await db.recordMessageDelivery({
        tenantId,
        messageId,
        ...reached,
        ...(reached.status === 'read' && deliveredAt ? { deliveredAt } : {}),
      });
      this.fx.upsertStatus();
    }
  }
}
