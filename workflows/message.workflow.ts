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
  messageStatusSignal,
  sendPermitSignal,
  type MessageState,
  type MessageWorkflowInput,
} from './message.definitions';

// Short DB writes and the gate request run as local activities: no extra workflow task each.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});

const RETRYABLE_TYPES = new Set(['ProviderTransient', 'ProviderRateLimited']);

/**
 * One message, one workflow (`message:<tenant>:<messageId>`): record queued → wait for a permit from
 * the sender's gate (rate limit, priority) → send with retries (transient: backoff; rate limited:
 * the provider's wait; permanent: fail at once) → record sent → follow delivery statuses arriving
 * as signals until a final one or the status timeout. Statuses only move forward; one arriving
 * before the send has returned is held and applied after `sent` is recorded.
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
  const { workflowId, runId } = workflowInfo();
  const state: MessageState = { status: 'queued', providerMessageId: null, sendStarted: false, error: null };
  const events: MessageStatusEvent[] = [];
  let permitted = false;
  let cancelRequested = false;

  setHandler(messageStatusSignal, (ev) => void events.push(ev));
  setHandler(sendPermitSignal, () => void (permitted = true));
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
  const setStatus = (status: MessageStatus, at = now()) => {
    state.status = status;
    upsertSearchAttributes([{ key: MessageStatusKey, value: status }]);
    notify(at);
  };

  await db.recordMessageQueued({ ...input, workflowId });
  notify(input.acceptedAt);
  await db.requestSendPermit({
    tenantId,
    senderId: input.senderId,
    provider: input.provider,
    workflowId,
    priority: input.priority,
  });
  await condition(() => permitted || cancelRequested);

  if (cancelRequested) {
    await db.recordMessageCancelled({ tenantId, messageId, at: now() });
    if (!permitted) await db.withdrawSendPermit({ tenantId, senderId: input.senderId, workflowId });
    setStatus('cancelled');
    return state;
  }

  state.sendStarted = true;
  const send = proxyActivities<Activities>({
    startToCloseTimeout: settings.sendTimeoutMs,
    retry: {
      initialInterval: settings.initialRetryMs,
      maximumInterval: settings.maxRetryMs,
      backoffCoefficient: 2,
      maximumAttempts: settings.maxAttempts,
    },
  }).sendMessage;

  let providerMessageId: string | null = null;
  for (let round = 1; providerMessageId === null; round++) {
    try {
      ({ providerMessageId } = await send({
        provider: input.provider,
        tenantId,
        messageId,
        senderId: input.senderId,
        to: input.to,
        content: input.content,
      }));
    } catch (err) {
      const f = failureOf(err);
      // Rate limits wait, they do not fail the message: another round after the provider's wait.
      if (f.type === 'ProviderRateLimited' && round < settings.maxRateLimitRounds) {
        await sleep(f.retryAfterMs ?? settings.maxRetryMs);
        continue;
      }
      state.error = {
        code: f.code,
        message: f.message,
        retryable: RETRYABLE_TYPES.has(f.type) || f.type === 'unknown',
      };
      await db.recordMessageFailed({
        tenantId,
        messageId,
        at: now(),
        errorCode: f.code,
        errorMessage: f.message,
        retryable: state.error.retryable,
        runId,
      });
      setStatus('failed');
      return state;
    }
  }

  state.providerMessageId = providerMessageId;
  await db.recordMessageSent({ tenantId, messageId, providerMessageId, at: now() });
  upsertSearchAttributes([{ key: ProviderMessageIdKey, value: providerMessageId }]);
  setStatus('sent');

  const deadline = Date.now() + settings.statusTimeoutMs;
  while (!isFinalStatus(state.status)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await condition(() => events.length > 0, remaining))) break;
    for (const ev of events.splice(0)) {
      if (ev.providerMessageId !== providerMessageId || !canTransition(state.status, ev.status)) continue;
      if (ev.status === 'failed') {
        state.error = {
          code: ev.error?.code ?? null,
          message: ev.error?.message ?? 'failed',
          retryable: false,
        };
        await db.recordMessageFailed({
          tenantId,
          messageId,
          at: ev.at,
          errorCode: state.error.code,
          errorMessage: state.error.message,
          retryable: false,
          runId,
        });
      } else if (ev.status === 'delivered' || ev.status === 'read') {
        await db.recordMessageDelivery({ tenantId, messageId, status: ev.status, at: ev.at });
      }
      setStatus(ev.status, ev.at);
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
