/**
 * Official senders: numbers on the WhatsApp Business Platform reached through Meta's Cloud API
 * directly or through a BSP (360dialog, Twilio). Each provider authenticates differently; the
 * credentials travel sealed (SecretBox) and are opened only for an adapter or a webhook check.
 */
export const OFFICIAL_PROVIDERS = ['meta', '360dialog', 'twilio'] as const;
export type OfficialProvider = (typeof OFFICIAL_PROVIDERS)[number];

export const isOfficialProvider = (p: string): p is OfficialProvider =>
  (OFFICIAL_PROVIDERS as readonly string[]).includes(p);

export type SenderCredentials =
  /** Meta Cloud API: the business (system-user) token from Embedded Signup or the tenant. */
  | { provider: 'meta'; accessToken: string }
  /** 360dialog: the channel's D360-API-KEY, and the secret header value its webhooks must carry. */
  | { provider: '360dialog'; apiKey: string; webhookSecret: string }
  /** Twilio: HTTP Basic with the (sub)account SID and its auth token (also the webhook signing key). */
  | { provider: 'twilio'; accountSid: string; authToken: string };

/**
 * The key an inbound webhook is routed by; unique across tenants (one number belongs to one tenant).
 * Meta: the phone number id. 360dialog: the channel id. Twilio: the account SID and the number.
 */
export function senderRoutingKey(
  s:
    | { provider: 'meta'; phoneNumberId: string }
    | { provider: '360dialog'; channelId: string }
    | { provider: 'twilio'; accountSid: string; phoneNumber: string },
): string {
  switch (s.provider) {
    case 'meta':
      return `meta:${s.phoneNumberId}`;
    case '360dialog':
      return `360dialog:${s.channelId}`;
    case 'twilio':
      return `twilio:${s.accountSid}:${s.phoneNumber.replace(/\D/g, '')}`;
  }
}
