/**
 * A webhook entry (one status, one inbound message, one alert, one gateway event) we were sent,
 * authenticated, and could not process: set aside in the dead-letter collection with the
 * provider's ids and the reason, listed by `GET /v1/dead-letters`, never retried by us. The
 * webhook still answers 200 for a batch (a provider must not redeliver a poison batch for days).
 */

/** The webhook a dead letter came through (the `provider` label of the webhook metrics). */
export const DEAD_LETTER_PROVIDERS = ['meta', '360dialog', 'twilio', 'gateway'] as const;
export type DeadLetterProvider = (typeof DEAD_LETTER_PROVIDERS)[number];

/**
 * invalid_entry: the entry does not fit the provider's documented shape (zod issues say where);
 * too_deep: nested deeper than we keep; storage_rejected: valid, but the database refused it after
 * a few attempts (see activities/inbound.activities.ts); foreign_status: a status whose reference
 * fails its MAC or names another tenant than the owner of its number, or whose number has no owner
 * (issue 15) — never applied.
 */
export const DEAD_LETTER_REASONS = [
  'invalid_entry',
  'too_deep',
  'storage_rejected',
  'foreign_status',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** What the entry was: the envelope or batch level it was cut at, or the event it was meant to be. */
export type DeadLetterKind = 'body' | 'entry' | 'change' | 'status' | 'message' | 'alert' | 'event';

export interface EntryIssue {
  /** Dotted path inside the entry (`errors.0.code`); '' for the entry itself. */
  path: string;
  /** zod's issue code (invalid_type, too_big…), or too_deep. */
  code: string;
  message: string;
}

export interface RejectedEntry {
  kind: DeadLetterKind;
  reason: DeadLetterReason;
  issues: EntryIssue[];
  /** The provider's ids that could be read (wamid, MessageSid, session…), for operators to search by. */
  providerIds: Record<string, string>;
  /** Provider routing ids that may name the tenant (Meta: the receiving number, the WABA). */
  routing?: { phoneNumberId?: string; wabaId?: string };
  /** The entry as received (stored as bounded JSON text). */
  entry: unknown;
}

/** provider `whatsapp_web` (an inbound message's) came through the gateway webhook. */
export function deadLetterProviderOf(messageProvider: string): DeadLetterProvider {
  return (DEAD_LETTER_PROVIDERS as readonly string[]).includes(messageProvider)
    ? (messageProvider as DeadLetterProvider)
    : 'gateway';
}
