import { safeEqual } from '../../security/api-keys';
import { normaliseMetaWebhook, type MetaWebhookEvents } from '../meta/meta.webhook';

/**
 * 360dialog forwards Meta's webhook envelope unchanged but cannot sign it with anything we hold
 * (the Meta signature uses 360dialog's app secret). Our onboarding configures the channel's
 * webhook (`POST /v1/configs/webhook`) with two headers of our own: the channel id, which names
 * the sender, and a random secret stored sealed in that sender's credentials.
 */
export const DIALOG360_CHANNEL_HEADER = 'x-dw-channel';
export const DIALOG360_SECRET_HEADER = 'x-dw-webhook-secret';

/** The two headers, when both are present and the channel id is plausible; null otherwise. */
export function readDialog360Headers(
  headers: Record<string, string | string[] | undefined>,
): { channelId: string; secret: string } | null {
  const channelId = headers[DIALOG360_CHANNEL_HEADER];
  const secret = headers[DIALOG360_SECRET_HEADER];
  if (typeof channelId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(channelId)) return null;
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) return null;
  return { channelId, secret };
}

/** Constant-time comparison of the header's secret with the sender's (an empty one never matches). */
export function verifyDialog360Secret(given: string, expected: string): boolean {
  return expected.length > 0 && safeEqual(given, expected);
}

/** The Meta envelope's statuses, inbound messages, account alerts and rejected entries, as 360dialog's. */
export function normaliseDialog360Webhook(payload: unknown): MetaWebhookEvents {
  return normaliseMetaWebhook(payload, '360dialog');
}
