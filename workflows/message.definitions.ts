import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MessageStatus, MessageStatusEvent, Priority } from '../src/domain/message';
import type { MessageContent } from '../src/schemas/message-content.schema';

/** Signals, queries and updates of the message workflow, shared with the API. */

export interface MessageSettings {
  /**
   * Provider attempts per send round (seed: 3): after them the workflow backs off and asks the
   * sender's gate for a new permit, so retries stay within the sender's rate. Also the budget for
   * errors that are neither transient nor permanent (then the message fails, retryable).
   */
  maxAttempts: number;
  /** First backoff between attempts and between rounds; doubles up to maxRetryMs. */
  initialRetryMs: number;
  maxRetryMs: number;
  /** startToClose of one send attempt. */
  sendTimeoutMs: number;
  /**
   * Heartbeat timeout of a send attempt: a worker that died mid-send is noticed after this, not
   * after sendTimeoutMs. Absent in inputs of runs started before it existed: min(5 s, sendTimeoutMs).
   */
  sendHeartbeatTimeoutMs?: number;
  /**
   * How long transient and rate-limited provider failures are retried before the message fails
   * with code `expired` (retryable). A message may ask for its own (`validitySeconds`). Our own
   * outages (database, Temporal, workers) never count against it. Absent in old inputs: 4 h.
   */
  validityMs?: number;
  /** How long to follow delivery statuses after `sent`. */
  statusTimeoutMs: number;
  /** Tenant status callbacks: attempts (exponential backoff from the initial interval, capped at 10 min). */
  callbackMaxAttempts: number;
  callbackRetryInitialMs: number;
}

export interface MessageWorkflowInput {
  tenantId: string;
  messageId: string;
  senderId: string;
  provider: string;
  sessionId: string | null;
  senderUserId: string | null;
  priority: Priority;
  to: string;
  recipientName: string | null;
  content: MessageContent;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  requestHash: string;
  acceptedAt: string;
  /** True for a run started by POST /v1/messages/:id/retry. */
  retry: boolean;
  /** This message's validity (`validitySeconds` × 1000); absent = settings.validityMs. Counted from the run's start. */
  validityMs?: number;
  /** The tenant had a status callback when the message was accepted: POST every status change to it. */
  notify?: boolean;
  /**
   * False when the sender's provider never acknowledges delivery (the seed gateway): the workflow
   * ends at `sent` instead of waiting statusTimeoutMs for nothing. Absent (older inputs) = true.
   */
  followStatuses?: boolean;
  /**
   * False: the run ends at `delivered` instead of following until `read` or the status timeout; a
   * read that comes later moves the record forward without a workflow (the API's forward-only late
   * write). Given to messages of tenants without a status callback — their read needs no durable
   * callback, and an open run would wait up to statusTimeoutMs for a receipt many never send.
   * Absent (older inputs) = true.
   */
  followRead?: boolean;
  settings: MessageSettings;
}

export interface MessageState {
  status: MessageStatus;
  providerMessageId: string | null;
  /** True while a send round is running (a cancel is refused then: the provider may have it). */
  sendStarted: boolean;
  error: { code: string | null; message: string; retryable: boolean } | null;
  /** Send rounds begun so far (a round is up to `maxAttempts` provider attempts). */
  rounds?: number;
  /** Between rounds: the last provider error and when the next round starts. */
  retrying?: { code: string | null; message: string; nextAttemptAt: string } | null;
}

/** Several statuses of one message at once (one webhook delivery): one workflow task, not one each. */
export const messageStatusesSignal = defineSignal<[MessageStatusEvent[]]>('messageStatuses');
export const getMessageStateQuery = defineQuery<MessageState>('getMessageState');
export const cancelMessageUpdate = defineUpdate<MessageState>('cancelMessage');
