import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ProviderFailureDetails } from '../activities/to-failure';
import {
  canTransition,
  isFinalStatus,
  type MessageStatus,
  type MessageStatusEvent,
} from '../src/domain/message';
import { MessageStatusKey, ProviderMessageIdKey } from '../src/temporal/search-attributes';
import {
  cancelMessageUpdate,
  getMessageStateQuery,
  messageStatusesSignal,
  type MessageState,
  type MessageWorkflowInput,
} from './message.definitions';

// Short DB writes and the permit asks run as local activities: no extra workflow task each.
// Unlimited attempts: our own database being down delays a message, never fails it. A write the
// database refuses (not an outage) fails as StorageRejected after a few attempts (activity side).
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});

/** Failure types after which a later round may succeed: the message waits and tries again. */
const ROUND_RETRY_TYPES = new Set(['ProviderTransient', 'ProviderRateLimited']);
/** Failure types a `POST …/retry` may try again (besides an expired validity). */
const RETRYABLE_TYPES = new Set([...ROUND_RETRY_TYPES, 'SendFailed', 'unknown']);
const DEFAULT_VALIDITY_MS = 4 * 3_600_000;

/**
 * One message, one workflow (`message:<tenant>:<messageId>`): record queued and take a permit from
 * the sender's rate limiter (one local activity) → send → record sent → follow delivery statuses
 * arriving as signals until a final one or the status timeout; a sender whose provider never
 * acknowledges delivery (the seed gateway) ends at sent. Statuses only move forward.
 *
 * The limiter (src/db/repositories/send-limiter.repository.ts) is shared state in MongoDB, not a
 * workflow: a message that finds a token costs no event for it; one that must wait for its turn
 * (high before normal before low, FIFO by acceptance) sleeps on a durable timer and asks again.
 *
 * Sending is done in rounds. A round is one permit and one send activity of up to `maxAttempts`
 * provider attempts (backoff between them; our database being down inside an attempt does not
 * count). A transient or rate-limited failure ends the round: the workflow waits (capped
 * exponential backoff, or the provider's Retry-After), asks for a new permit — so recovery from an
 * outage goes at the sender's rate, not as a stampede — and tries again, until the message's
 * validity (default 4 h) has passed; then it fails with code `expired`, retryable. Permanent
 * provider errors fail at once. A message waiting for a permit or between rounds can be cancelled.
 */
export async function messageWorkflow(input: MessageWorkflowInput): Promise<MessageState> {
  const notifications: Promise<unknown>[] = [];
  const state = await followMessage(input, notifications);
  // Callbacks run beside the message (never in its way); the workflow only ends once they are settled.
  await Promise.all(notifications);
  return state;
}

async function followMessage(
  input: MessageWorkflowInput,
  notifications: Promise<unknown>[],
): Promise<MessageState> {
  const { tenantId, messageId, settings } = input;
  const { workflowId, runId, runStartTime } = workflowInfo();
  const state: MessageState = {
    status: 'queued',
    providerMessageId: null,
    sendStarted: false,
    error: null,
    rounds: 0,
    retrying: null,
  };
  const events: MessageStatusEvent[] = [];
  let cancelRequested = false;

  // Statuses of one webhook delivery come as one signal: one workflow task for the burst.
  setHandler(messageStatusesSignal, (evs) => void events.push(...evs));
  setHandler(getMessageStateQuery, () => state);
  setHandler(
    cancelMessageUpdate,
    () => {
      cancelRequested = true;
      return { ...state, status: 'cancelled' as const };
    },
    {
      validator: () => {
        if (state.status !== 'queued' || state.sendStarted)
          throw new Error(`message is ${state.sendStarted ? 'being sent' : state.status}`);
      },
    },
  );

  const now = () => new Date().toISOString();
  const callbacks = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: {
      initialInterval: settings.callbackRetryInitialMs,
      backoffCoefficient: 2,
      maximumInterval: '10m',
      maximumAttempts: settings.callbackMaxAttempts,
    },
  });
  const notify = (at: string) => {
    if (!input.notify) return;
    const payload = {
      event: 'message.status' as const,
      messageId,
      status: state.status,
      providerMessageId: state.providerMessageId,
      at,
      error: state.error && { code: state.error.code, message: state.error.message },
      metadata: input.metadata,
    };
    notifications.push(callbacks.deliverStatusCallback({ tenantId, payload }).catch(() => undefined));
  };
  const setStatus = (status: MessageStatus, at = now(), providerMessageId?: string) => {
    state.status = status;
    // One upsert per status change (operators filter on it), carrying the provider id with `sent`.
    upsertSearchAttributes([
      { key: MessageStatusKey, value: status },
      ...(providerMessageId ? [{ key: ProviderMessageIdKey, value: providerMessageId }] : []),
    ]);
    notify(at);
  };
  const fail = async (error: NonNullable<MessageState['error']>, at = now()) => {
    state.error = error;
    state.retrying = null;
    await db.recordMessageFailed({
      tenantId,
      messageId,
      at,
      errorCode: error.code,
      errorMessage: error.message,
      retryable: error.retryable,
      runId,
    });
    setStatus('failed', at);
  };
  const cancel = async (inLine: boolean) => {
    await db.recordMessageCancelled({ tenantId, messageId, at: now() });
    if (inLine) await db.withdrawSendPermit({ tenantId, messageId, ticket: workflowId });
    state.retrying = null;
    setStatus('cancelled');
    return state;
  };

  const permitAsk = {
    tenantId,
    senderId: input.senderId,
    provider: input.provider,
    ticket: workflowId,
    priority: input.priority,
    acceptedAt: Date.parse(input.acceptedAt),
  };
  const { recorded, permit: firstPermit } = await db.recordMessageQueued({
    ...input,
    workflowId,
    permit: permitAsk,
  });
  if (recorded === 'rejected') {
    // The database refused the message itself (e.g. input the API should have refused): a minimal
    // failed record without content was written instead, so the message ends in a visible state.
    state.error = { code: 'unstorable_input', message: 'The message could not be stored', retryable: false };
    setStatus('failed');
    return state;
  }
  notify(input.acceptedAt);

  const send = proxyActivities<Activities>({
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

  const validityMs = input.validityMs ?? settings.validityMs ?? DEFAULT_VALIDITY_MS;
  const deadline = runStartTime.getTime() + validityMs;
  let backoffMs = settings.initialRetryMs;
  let providerMessageId: string | null = null;
  let permit = firstPermit;
  while (providerMessageId === null) {
    permit ??= await db.requestSendPermit(permitAsk);
    // Not this message's turn yet: sleep durably for the wait the limiter estimated, then ask again.
    while (!permit.granted) {
      if (await condition(() => cancelRequested, permit.waitMs)) return cancel(true);
      permit = await db.requestSendPermit({ ...permitAsk, waited: true });
    }
    permit = undefined;
    if (cancelRequested) return cancel(false);

    state.sendStarted = true;
    state.rounds = (state.rounds ?? 0) + 1;
    try {
      ({ providerMessageId } = await send({
        provider: input.provider,
        tenantId,
        messageId,
        senderId: input.senderId,
        to: input.to,
        content: input.content,
        attemptsPerRound: settings.maxAttempts,
      }));
    } catch (err) {
      state.sendStarted = false;
      const f = failureOf(err);
      if (!ROUND_RETRY_TYPES.has(f.type)) {
        await fail({ code: f.code, message: f.message, retryable: RETRYABLE_TYPES.has(f.type) });
        return state;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        await fail({
          code: 'expired',
          message: `Not sent within its validity of ${Math.round(validityMs / 1000)} s; last error: ${f.message}`,
          retryable: true,
        });
        return state;
      }
      // Rate limited: the provider's wait. Transient: capped exponential backoff. Either way one
      // last round at the deadline rather than none.
      const waitMs = Math.min(
        f.type === 'ProviderRateLimited' ? Math.max(f.retryAfterMs ?? backoffMs, 1) : backoffMs,
        left,
      );
      backoffMs = Math.min(backoffMs * 2, settings.maxRetryMs);
      const nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
      state.retrying = { code: f.code, message: f.message, nextAttemptAt };
      await db.recordMessageRetrying({
        tenantId,
        messageId,
        rounds: state.rounds,
        errorCode: f.code,
        errorMessage: f.message,
        nextAttemptAt,
      });
      if (await condition(() => cancelRequested, waitMs)) return cancel(false);
    }
  }
  state.retrying = null;

  state.providerMessageId = providerMessageId;
  await db.recordMessageSent({ tenantId, messageId, providerMessageId, at: now() });
  setStatus('sent', now(), providerMessageId);
  // Nothing will follow (the provider never acknowledges delivery): the message is done once sent.
  if (input.followStatuses === false) return state;

  // One timer for the whole follow (not one per wait: each would cost a start and a cancel event).
  let followed = false;
  void sleep(settings.statusTimeoutMs).then(() => void (followed = true));
  while (!isFinalStatus(state.status)) {
    await condition(() => events.length > 0 || followed);
    if (events.length === 0) break;
    // Statuses that came together are applied together: one record write and one search-attribute
    // upsert for the furthest of them (a callback still goes out for each).
    let deliveredAt: string | undefined;
    let reached: { status: 'delivered' | 'read'; at: string } | null = null;
    for (const ev of events.splice(0)) {
      if (ev.providerMessageId !== providerMessageId || !canTransition(state.status, ev.status)) continue;
      if (ev.status === 'failed') {
        if (reached) await db.recordMessageDelivery({ tenantId, messageId, ...reached, deliveredAt });
        reached = null;
        await fail(
          { code: ev.error?.code ?? null, message: ev.error?.message ?? 'failed', retryable: false },
          ev.at,
        );
        continue;
      }
      if (ev.status !== 'delivered' && ev.status !== 'read') continue;
      if (ev.status === 'delivered') deliveredAt = ev.at;
      reached = { status: ev.status, at: ev.at };
      state.status = ev.status;
      notify(ev.at);
    }
    if (reached) {
      await db.recordMessageDelivery({
        tenantId,
        messageId,
        ...reached,
        ...(reached.status === 'read' && deliveredAt ? { deliveredAt } : {}),
      });
      upsertSearchAttributes([{ key: MessageStatusKey, value: state.status }]);
    }
  }
  return state;
}

function failureOf(err: unknown): {
  type: string;
  code: string | null;
  message: string;
  retryAfterMs?: number;
} {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as ProviderFailureDetails | undefined;
    const nextDelay = cause.nextRetryDelay;
    return {
      type: cause.type ?? 'unknown',
      code: d?.code ?? null,
      message: d?.details ? `${cause.message}: ${d.details}` : cause.message,
      retryAfterMs: typeof nextDelay === 'number' ? nextDelay : undefined,
    };
  }
  return { type: 'unknown', code: null, message: cause instanceof Error ? cause.message : String(cause) };
}
