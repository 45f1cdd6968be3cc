import { MESSAGE_TYPES } from '../../domain/message';
import { ProviderError } from '../errors';
import type { MessagingProvider, OutboundMessage, SendResult } from '../types';
import { DEFAULT_META_WAITS, readMetaError, type MetaRateLimitWaits } from './meta.errors';
import { toMetaRequest } from './meta.mapper';
import type { MetaSendResponse } from './meta.types';
import { callProvider } from '../http/call';
import { providerHttpClient } from '../http/client';
import { mintStatusRef } from '../../security/status-ref';

export interface MetaSenderCredentials {
  phoneNumberId: string;
  accessToken: string;
}

export interface MetaAdapterConfig {
  /** e.g. https://graph.facebook.com (a fake on loopback in tests). */
  baseUrl: string;
  /** e.g. v23.0 */
  apiVersion: string;
  timeoutMs: number;
  waits?: MetaRateLimitWaits;
  /** Key of the MAC on the reference statuses echo (STATUS_REF_KEY; src/security/status-ref.ts). */
  statusRefKey: Buffer;
  /** The sender's phone number id and token (decrypted), or null when the sender is unknown. */
  credentials(tenantId: string, senderId: string): Promise<MetaSenderCredentials | null>;
}

/**
 * Echoed by Meta in every status webhook: lets a status find its message before we know the wamid.
 * `<tenant>:<messageId>:<mac>`: only we can mint one (src/security/status-ref.ts).
 */
export const callbackDataOf = (key: Buffer, tenantId: string, messageId: string) =>
  mintStatusRef(key, tenantId, messageId);

/** Meta WhatsApp Cloud API: `POST /{version}/{phone-number-id}/messages` with the sender's token. */
export function createMetaMessagingProvider(config: MetaAdapterConfig): MessagingProvider {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const readError = readMetaError(config.waits ?? DEFAULT_META_WAITS);

  return {
    name: 'meta',
    supportedTypes: new Set(MESSAGE_TYPES),
    async send(msg: OutboundMessage): Promise<SendResult> {
      const creds = await config.credentials(msg.tenantId, msg.senderId);
      if (!creds)
        throw new ProviderError('auth', `No Meta credentials for sender ${msg.senderId}`, {
          provider: 'meta',
        });
      const body = toMetaRequest(msg, callbackDataOf(config.statusRefKey, msg.tenantId, msg.messageId));
      const res = await callProvider<Partial<MetaSendResponse> | undefined>({
        provider: 'meta',
        label: 'Meta',
        secrets: [creds.accessToken],
        send: () =>
          http.post(`/${config.apiVersion}/${encodeURIComponent(creds.phoneNumberId)}/messages`, body, {
            headers: { Authorization: `Bearer ${creds.accessToken}`, 'Content-Type': 'application/json' },
          }),
        readError,
      });
      const id = res.data?.messages?.[0]?.id;
      if (typeof id !== 'string' || id === '')
        throw new ProviderError('transient', 'Meta answered 2xx without a message id', {
          provider: 'meta',
          httpStatus: res.status,
        });
      return { providerMessageId: id };
    },
  };
}
