import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MessageStatus, MessageStatusEvent, Priority } from '../src/domain/message';
import type { MessageContent } from '../src/schemas/message-content.schema';

/** Signals, queries and updates of the message and sender-gate workflows, shared with the API. */

export interface MessageSettings {
  /** Send attempts per round (seed: 3). */
  maxAttempts: number;
  initialRetryMs: number;
  maxRetryMs: number;
  /** startToClose of one send attempt. */
  sendTimeoutMs: number;
  /** How long to follow delivery statuses after `sent`. */
  statusTimeoutMs: number;
  /** Rounds of `maxAttempts` a rate-limited send may take before it fails (rate limits wait, they do not fail). */
  maxRateLimitRounds: number;
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
  /** The tenant had a status callback when the message was accepted: POST every status change to it. */
  notify?: boolean;
  settings: MessageSettings;
}

export interface MessageState {
  status: MessageStatus;
  providerMessageId: string | null;
  sendStarted: boolean;
  error: { code: string | null; message: string; retryable: boolean } | null;
}

export const messageStatusSignal = defineSignal<[MessageStatusEvent]>('messageStatus');
export const sendPermitSignal = defineSignal<[]>('sendPermit');
export const getMessageStateQuery = defineQuery<MessageState>('getMessageState');
export const cancelMessageUpdate = defineUpdate<MessageState>('cancelMessage');

export interface PermitRequest {
  workflowId: string;
  priority: Priority;
}
export interface GateRate {
  ratePerSec: number;
  burst: number;
}
export const permitRequestSignal = defineSignal<[PermitRequest]>('permitRequest');
export const permitWithdrawSignal = defineSignal<[{ workflowId: string }]>('permitWithdraw');
export const getGateStateQuery = defineQuery<{
  tokens: number;
  queued: Record<Priority, number>;
  granted: number;
}>('getGateState');
