import {
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageStatus } from '../src/domain/message';
import { MessageStatusKey, ProviderMessageIdKey } from '../src/temporal/search-attributes';
import type { MessageState, MessageWorkflowInput } from './message.definitions';

// Short DB writes and the permit asks run as local activities: no extra workflow task each.
// Unlimited attempts: our own database being down delays a message, never fails it. A write the
// database refuses (not an outage) fails as StorageRejected after a few attempts (activity side).
export const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});

export const now = () => new Date().toISOString();

/**
 * What a message's run does to the world besides sending: a status change is one search-attribute
 * upsert (operators filter on it) and, when the tenant has a status callback, one callback; a
 * failure or a cancel is recorded first. Callbacks run beside the message, never in its way
 * (`notifications`: the workflow ends once they are settled).
 */
export class MessageEffects {
  readonly notifications: Promise<unknown>[] = [];
  /** One send round: up to `maxAttempts` provider attempts (see sendMessage). */
  readonly send: Activities['sendMessage'];
  private readonly callbacks: ActivityInterfaceFor<Activities>;

  constructor(
    private readonly state: MessageState,
    private readonly input: MessageWorkflowInput,
  ) {
    const { settings } = input;
    this.callbacks = proxyActivities<Activities>({
      startToCloseTimeout: '30s',
      retry: {
        initialInterval: settings.callbackRetryInitialMs,
        backoffCoefficient: 2,
        maximumInterval: '10m',
        maximumAttempts: settings.callbackMaxAttempts,
      },
    });
    this.send = proxyActivities<Activities>({
      startToCloseTimeout: settings.sendTimeoutMs,
      heartbeatTimeout: settings.sendHeartbeatTimeoutMs ?? Math.min(5_000, settings.sendTimeoutMs),
      retry: {
        initialInterval: settings.initialRetryMs,
        maximumInterval: settings.maxRetryMs,
        backoffCoefficient: 2,
        // No maximumAttempts (unlimited): the activity itself ends a round after `maxAttempts`
        // provider attempts, and is retried for ever while our own database is unavailable.
      },
    }).sendMessage;
  }

  /** The tenant's status callback for the current state (when the message asked for callbacks). */
  notify(at: string): void {
    const { tenantId, messageId } = this.input;
    if (!this.input.notify) return;
    const payload = {
      event: 'message.status' as const,
      messageId,
      status: this.state.status,
      providerMessageId: this.state.providerMessageId,
      at,
      error: this.state.error && { code: this.state.error.code, message: this.state.error.message },
      metadata: this.input.metadata,
    };
    this.notifications.push(
      this.callbacks.deliverStatusCallback({ tenantId, payload }).catch(() => undefined),
    );
  }

  setStatus(status: MessageStatus, at = now(), providerMessageId?: string): void {
    this.state.status = status;
    // One upsert per status change (operators filter on it), carrying the provider id with `sent`.
    upsertSearchAttributes([
      { key: MessageStatusKey, value: status },
      ...(providerMessageId ? [{ key: ProviderMessageIdKey, value: providerMessageId }] : []),
    ]);
    this.notify(at);
  }

  /** The status search attribute alone (statuses applied in a batch: their callbacks went out one each). */
  upsertStatus(): void {
    upsertSearchAttributes([{ key: MessageStatusKey, value: this.state.status }]);
  }

  async fail(error: NonNullable<MessageState['error']>, at = now()): Promise<void> {
    const { tenantId, messageId } = this.input;
    this.state.error = error;
    this.state.retrying = null;
    await db.recordMessageFailed({
      tenantId,
      messageId,
      at,
      errorCode: error.code,
      errorMessage: error.message,
      retryable: error.retryable,
      runId: workflowInfo().runId,
    });
    this.setStatus('failed', at);
  }

  /** Cancelled; `inLine`: it still holds a place in the sender's line, which it leaves. */
  async cancel(inLine: boolean): Promise<void> {
    const { tenantId, messageId } = this.input;
    await db.recordMessageCancelled({ tenantId, messageId, at: now() });
    if (inLine) await db.withdrawSendPermit({ tenantId, messageId, ticket: workflowInfo().workflowId });
    this.state.retrying = null;
    this.setStatus('cancelled');
  }
}
