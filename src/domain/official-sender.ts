/**
 * Official senders' credentials: numbers on the WhatsApp Business Platform reached through Meta's
 * Cloud API directly or through a BSP. Each provider authenticates differently; the credentials
 * travel sealed (SecretBox) and are opened only for an adapter or a webhook check. Which providers
 * are official, their routing keys and onboarding steps: src/providers/official-providers.ts.
 */
export type SenderCredentials =
  /** Meta Cloud API: the business (system-user) token from Embedded Signup or the tenant. */
  | { provider: 'meta'; accessToken: string }
  /** 360dialog: the channel's D360-API-KEY, and the secret header value its webhooks must carry. */
  | { provider: '360dialog'; apiKey: string; webhookSecret: string }
  /** Twilio: HTTP Basic with the (sub)account SID and its auth token (also the webhook signing key). */
  | { provider: 'twilio'; accountSid: string; authToken: string };
