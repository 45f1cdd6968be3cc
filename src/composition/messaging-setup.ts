import type { Config } from '../config/env';
import type { MessageSettings } from '../../workflows/message.definitions';
import type { BroadcastSettings } from '../../workflows/broadcast.definitions';
import { statusRefKeyFrom } from '../security/status-ref';

/** Messaging pieces built from config, shared by the API and worker composition roots (and the bench). */
export function messageSettingsFrom(c: Config): MessageSettings {
  return {
    maxAttempts: c.MESSAGE_SEND_MAX_ATTEMPTS,
    initialRetryMs: c.MESSAGE_RETRY_INITIAL_MS,
    maxRetryMs: Math.max(c.MESSAGE_RETRY_MAX_MS, c.MESSAGE_RETRY_INITIAL_MS),
    sendTimeoutMs: c.MESSAGE_SEND_TIMEOUT_MS,
    sendHeartbeatTimeoutMs: Math.min(c.MESSAGE_SEND_HEARTBEAT_TIMEOUT_MS, c.MESSAGE_SEND_TIMEOUT_MS),
    validityMs: c.MESSAGE_VALIDITY_MS,
    statusTimeoutMs: c.MESSAGE_STATUS_TIMEOUT_MS,
    callbackMaxAttempts: c.CALLBACK_MAX_ATTEMPTS,
    callbackRetryInitialMs: c.CALLBACK_RETRY_INITIAL_MS,
  };
}

/** A broadcast's settings (issue 18): the message retry rules, and its chunks' heartbeat timeout. */
export function broadcastSettingsFrom(c: Config): BroadcastSettings {
  const m = messageSettingsFrom(c);
  return {
    maxAttempts: m.maxAttempts,
    initialRetryMs: m.initialRetryMs,
    maxRetryMs: m.maxRetryMs,
    validityMs: c.MESSAGE_VALIDITY_MS,
    statusTimeoutMs: m.statusTimeoutMs,
    callbackMaxAttempts: m.callbackMaxAttempts,
    heartbeatTimeoutMs: c.BROADCAST_HEARTBEAT_TIMEOUT_MS,
  };
}

/** The key of the MAC on status references: STATUS_REF_KEY, else derived from the active encryption key. */
export function statusRefKeyOf(c: Config): Buffer {
  const active = c.ENCRYPTION_ACTIVE_KEY_ID ?? (c.ENCRYPTION_KEYS.keys().next().value as string);
  return statusRefKeyFrom(c.STATUS_REF_KEY, c.ENCRYPTION_KEYS.get(active) as Buffer);
}
