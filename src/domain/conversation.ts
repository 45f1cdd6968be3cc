/**
 * A conversation (issue 17): the messages between one of a tenant's senders and one contact, both
 * ways, newest first. Its page cursor's key says which collection the last item came from, so
 * items of both directions with the same time page in one stable order (outbound before inbound).
 */
export type Direction = 'inbound' | 'outbound';

const PREFIX: Record<Direction, string> = { inbound: 'in:', outbound: 'out:' };

/** The cursor key of an item: its direction's prefix and its document `_id`. */
export const conversationKey = (direction: Direction, id: string): string => `${PREFIX[direction]}${id}`;

/** A cursor key read back: which direction and which `_id`, or null when it is not a conversation's. */
export function parseConversationKey(key: string): { direction: Direction; id: string } | null {
  for (const direction of ['inbound', 'outbound'] as const)
    if (key.startsWith(PREFIX[direction]) && key.length > PREFIX[direction].length)
      return { direction, id: key.slice(PREFIX[direction].length) };
  return null;
}
