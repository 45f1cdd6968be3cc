import { MESSAGE_TYPES } from '../../domain/message';
import { ProviderError } from '../errors';
import { callbackDataOf } from '../meta/meta.adapter';
import { DEFAULT_META_WAITS, type MetaRateLimitWaits } from '../meta/meta.errors';
import { toMetaRequest } from '../meta/meta.mapper';
import type { MetaSendResponse } from '../meta/meta.types';
import type { MessagingProvider, OutboundMessage, SendResult } from '../types';
import { DIALOG360, readDialog360Error } from './dialog360.errors';
import type { Dialog360Credentials } from './dialog360.types';
import { callProvider } from '../http/call';
import { providerHttpClient } from '../http/client';

export interface Dialog360AdapterConfig {
  /** e.g. https://waba-v2.360dialog.io (a fake on loopback in tests). */
  baseUrl: string;
  timeoutMs: number;
  /** Waits for Meta's rate-limit codes passed through, and for a bare 429. */
  waits?: MetaRateLimitWaits;
  /** Key of the MAC on the reference statuses echo (STATUS_REF_KEY; src/security/status-ref.ts). */
  statusRefKey: Buffer;
  /** The channel's API key (opened), or null when the sender is unknown or not a 360dialog sender. */
  credentials(tenantId: string, senderId: string): Promise<Dialog360Credentials | null>;
}

/**
 * 360dialog (Cloud API hosting): `POST {base}/messages` with `D360-API-KEY`; the body is exactly
 * the Meta Cloud API body (the key names the number, so no phone-number id in the path) and the
 * answer is Meta's. Every type Meta sends, 360dialog sends.
 */
export function createDialog360MessagingProvider(config: Dialog360AdapterConfig): MessagingProvider {
  const http = providerHttpClient(config.baseUrl, config.timeoutMs);
  const readError = readDialog360Error(config.waits ?? DEFAULT_META_WAITS);

  return {
    name: DIALOG360,
    supportedTypes: new Set(MESSAGE_TYPES),
    async send(msg: OutboundMessage): Promise<SendResult> {
      const creds = await config.credentials(msg.tenantId, msg.senderId);
      if (!creds)
        throw new ProviderError('auth', `No 360dialog API key for sender ${msg.senderId}`, {
          provider: DIALOG360,
        });
      const body = toMetaRequest(msg, callbackDataOf(config.statusRefKey, msg.tenantId, msg.messageId));
      const res = await callProvider<Partial<MetaSendResponse> | undefined>({
        provider: DIALOG360,
        label: DIALOG360,
        secrets: [creds.apiKey],
        send: () =>
          http.post('/messages', body, {
            headers: { 'D360-API-KEY': creds.apiKey, 'Content-Type': 'application/json' },
          }),
        readError,
      });
      const id = res.data?.messages?.[0]?.id;
      if (typeof id !== 'string' || id === '')
        throw new ProviderError('transient', '360dialog answered 2xx without a message id', {
          provider: DIALOG360,
          httpStatus: res.status,
        });
      return { providerMessageId: id };
    },
  };
}
