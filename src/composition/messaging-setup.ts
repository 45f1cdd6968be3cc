import type { Config } from '../config/env';
import type { SenderRepository } from '../db/repositories/sender.repository';
import type { GateRate, MessageSettings } from '../../workflows/message.definitions';
import {
  createGatewayMessagingProvider,
  type GatewayCredentialsPort,
} from '../providers/gateways/messaging/gateway-messaging.adapter';
import { createMessagingRegistry, type MessagingRegistry } from '../providers/messaging-registry';
import { createMetaMessagingProvider } from '../providers/meta/meta.adapter';
import { createDialog360MessagingProvider } from '../providers/dialog360/dialog360.adapter';
import { createTwilioMessagingProvider } from '../providers/twilio/twilio.adapter';
import { dialog360CredentialsFrom, twilioCredentialsFrom } from './sender-credentials';
import { statusRefKeyFrom } from '../security/status-ref';
import { createProviderRegistry } from '../providers/registry';

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

/** Each provider's default sender rate, from its descriptor. */
export function gateRatesFrom(c: Config): (provider: string) => GateRate {
  return createProviderRegistry(c).rateOf;
}

/** The key of the MAC on status references: STATUS_REF_KEY, else derived from the active encryption key. */
export function statusRefKeyOf(c: Config): Buffer {
  const active = c.ENCRYPTION_ACTIVE_KEY_ID ?? (c.ENCRYPTION_KEYS.keys().next().value as string);
  return statusRefKeyFrom(c.STATUS_REF_KEY, c.ENCRYPTION_KEYS.get(active) as Buffer);
}

export function buildMessagingRegistry(
  c: Config,
  deps: { senders: SenderRepository; sessions: GatewayCredentialsPort | null },
): MessagingRegistry {
  const meta = createMetaMessagingProvider({
    baseUrl: c.META_GRAPH_BASE_URL,
    apiVersion: c.META_GRAPH_API_VERSION,
    timeoutMs: c.META_TIMEOUT_MS,
    statusRefKey: statusRefKeyOf(c),
    credentials: (tenantId, senderId) => deps.senders.metaCredentials(tenantId, senderId),
  });
  const providers = [meta];
  providers.push(
    createDialog360MessagingProvider({
      baseUrl: c.DIALOG360_BASE_URL,
      timeoutMs: c.DIALOG360_TIMEOUT_MS,
      statusRefKey: statusRefKeyOf(c),
      credentials: dialog360CredentialsFrom(deps.senders),
    }),
    createTwilioMessagingProvider({
      baseUrl: c.TWILIO_API_BASE_URL,
      timeoutMs: c.TWILIO_TIMEOUT_MS,
      publicBaseUrl: c.PUBLIC_BASE_URL,
      credentials: twilioCredentialsFrom(deps.senders),
    }),
  );
  if (deps.sessions)
    providers.push(
      createGatewayMessagingProvider({
        baseUrl: c.GATEWAY_BASE_URL,
        timeoutMs: c.GATEWAY_TIMEOUT_MS,
        sessions: deps.sessions,
      }),
    );
  return createMessagingRegistry({
    providers,
    officialSenders: deps.senders,
    sessions: deps.sessions,
    gatewayProvider: 'whatsapp_web',
  });
}
