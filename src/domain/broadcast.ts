import type { MessageStatus, Priority } from './message';

/**
 * Broadcasts (issue 18): one request, up to 10,000 recipients, one workflow. Every recipient is a
 * message with its own id and record (`broadcastId` set); the broadcast's workflow sends them in
 * chunks at the sender's rate and statuses reach the records straight from the webhooks.
 *
 * scheduled → running ⇄ paused → completed | cancelled. `scheduled` only while `notBefore` is ahead.
 */
export const BROADCAST_STATUSES = ['scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

export const isFinalBroadcastStatus = (s: BroadcastStatus): boolean => s === 'completed' || s === 'cancelled';

/** Recipients per stored chunk and per send activity: 10,000 recipients are 10 chunks. */
export const BROADCAST_CHUNK_SIZE = 1_000;
export const BROADCAST_MAX_RECIPIENTS = 10_000;
/** A broadcast's priority when the request names none: bulk traffic yields to single messages. */
export const BROADCAST_DEFAULT_PRIORITY: Priority = 'low';

/** One recipient as accepted (phone already normalised). */
export interface BroadcastRecipient {
  to: string;
  /** Values of the template's body placeholders {{1}}, {{2}} … (or of a text body's). */
  parameters?: string[];
  metadata?: Record<string, string | number | boolean | null>;
  recipientName?: string;
}

/**
 * A recipient's message id: `msg_<broadcast id>-<index>`. It names the broadcast, so a status for
 * it is applied to its record without asking Temporal for a workflow it does not have.
 */
export const recipientMessageId = (broadcastId: string, index: number): string =>
  `msg_${broadcastId}-${index}`;

/** Broadcast ids are `bc_` + 22 (random) or 32 (from an Idempotency-Key) characters. */
export const BROADCAST_ID = /^bc_(?:[A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{32})$/;
/**
 * Never a single message's id: those are `msg_` + 22 or 32 characters, these 27-31 or 37-41.
 */
const RECIPIENT_ID = /^msg_(bc_(?:[A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{32}))-(\d{1,5})$/;

/** The broadcast and index a recipient's message id names, or null for a single message's id. */
export function parseRecipientMessageId(messageId: string): { broadcastId: string; index: number } | null {
  const m = RECIPIENT_ID.exec(messageId);
  return m ? { broadcastId: m[1] as string, index: Number(m[2]) } : null;
}

/** Counts of a broadcast's recipients by status. */
export type BroadcastCounts = Record<MessageStatus, number>;

export const emptyCounts = (): BroadcastCounts => ({
  queued: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  cancelled: 0,
});
