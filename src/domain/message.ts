/**
 * Message statuses and the one rule about them: they only move forward.
 * queued → sent → delivered → read; `read` may come without `delivered` (Meta sends only `read`
 * when both happen together); failed and cancelled are final. Duplicates and late arrivals of an
 * earlier status change nothing.
 */
export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed', 'cancelled'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_TYPES = [
  'text',
  'image',
  'document',
  'audio',
  'video',
  'location',
  'template',
  'interactive_buttons',
  'interactive_list',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

const RANK: Record<MessageStatus, number> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  failed: 9,
  cancelled: 9,
};

export const isFinalStatus = (s: MessageStatus): boolean =>
  s === 'read' || s === 'failed' || s === 'cancelled';

/** True when moving from `from` to `to` is progress. A failure after delivery is a multi-device race: ignored. */
export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  if (from === 'failed' || from === 'cancelled' || from === to) return false;
  if (to === 'cancelled') return from === 'queued';
  if (to === 'failed') return from === 'queued' || from === 'sent';
  if (to === 'queued') return false;
  return RANK[to] > RANK[from];
}

/** The statuses a record may be in for `to` to be applied (used as a conditional-update filter). */
export function statusesBefore(to: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter((from) => canTransition(from, to));
}

/** A provider's report about one message, in our vocabulary (what a webhook normaliser produces). */
export interface MessageStatusEvent {
  status: 'sent' | 'delivered' | 'read' | 'failed';
  providerMessageId: string;
  /** ISO time the provider says it happened. */
  at: string;
  /** Our ids when the provider echoed them (Meta biz_opaque_callback_data). */
  tenantId?: string;
  messageId?: string;
  /**
   * The MAC of that reference (src/security/status-ref.ts): a string when it carried one, null for
   * a reference minted before references were signed; absent when there is no reference.
   */
  refMac?: string | null;
  /** The provider's id of our sending number (Meta `metadata.phone_number_id`): names the owner. */
  senderAccountId?: string;
  error?: { code?: string; message: string };
}

/** A message a WhatsApp user sent to one of our senders, in our vocabulary. */
export interface InboundMessageEvent {
  provider: string;
  providerMessageId: string;
  /** The provider's id of the receiving number (Meta phone_number_id): tells which sender, hence which tenant. */
  recipientAccountId: string;
  from: string;
  fromName: string | null;
  at: string;
  type: string;
  text: string | null;
  /** The type-specific object as the provider sent it (media ids, interactive replies, location…). */
  content: Record<string, unknown>;
  /** A reaction to, an edit or a revoke (deletion) of an earlier message: which one. */
  refersTo?: InboundReference;
}

/** What an inbound message does to an earlier one. */
export const INBOUND_REFERENCE_KINDS = ['reaction', 'edit', 'revoke'] as const;
export type InboundReferenceKind = (typeof INBOUND_REFERENCE_KINDS)[number];

/**
 * The earlier message an inbound one refers to: always by the provider's id (an inbound message
 * of the same contact, or one we sent); `messageId` is ours when it is a message we sent.
 */
export interface InboundReference {
  kind: InboundReferenceKind;
  providerMessageId: string;
  messageId?: string;
}
