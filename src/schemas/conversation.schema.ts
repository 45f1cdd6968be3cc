import { z } from 'zod';
import { parseConversationKey } from '../domain/conversation';
import { MESSAGE_STATUSES, MESSAGE_TYPES } from '../domain/message';
import { isoDateTime, resourceId } from './common.schema';
import { listPage, pageCursorOf, pageQuery } from './list-page.schema';
import { phoneNumber } from './message.schema';

/** Inbound types are the provider's (text, image, reaction, button…), stored as sent. */
const inboundType = z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be a message type (a-z, 0-9, _; up to 64)');

/** `GET /v1/inbound`: `from` is the tenant's sender (as in GET /v1/messages), `contact` the customer. */
export const listInboundQuery = z.strictObject({
  from: resourceId.optional().meta({ description: 'Only messages sent to this sender (number or session)' }),
  contact: phoneNumber.optional().meta({ description: 'Only messages from this phone number (E.164)' }),
  type: inboundType.optional(),
  since: isoDateTime.optional().meta({
    description: 'Only messages received at or after this ISO date-time (or date, 00:00 UTC)',
  }),
  until: isoDateTime.optional().meta({
    description: 'Only messages received before this ISO date-time (or date, 00:00 UTC)',
  }),
  ...pageQuery,
});

export const conversationParams = z.strictObject({
  senderId: resourceId,
  contact: phoneNumber,
});

export const conversationQuery = z.strictObject({
  limit: pageQuery.limit,
  // A cursor of another list decodes but does not say which direction it stopped in.
  cursor: pageCursorOf(
    (c) => parseConversationKey(c.key) !== null,
    'must be a cursor from a previous page of this conversation',
  ).optional(),
});

/** An inbound message as the API shows it (OpenAPI only: built by the repository's view). */
export const inboundMessage = z
  .object({
    id: z.string().meta({ description: '`<provider>:<provider message id>`', example: 'meta:wamid.HBgL…' }),
    senderId: z.string().meta({ description: 'The sender (number or session) it was sent to' }),
    contact: z.string().meta({ description: 'Who sent it: E.164 digits for a person' }),
    contactName: z.string().nullable(),
    provider: z.string(),
    providerMessageId: z.string(),
    type: z.string(),
    text: z.string().nullable(),
    content: z.record(z.string(), z.unknown()).meta({ description: 'The type-specific object as sent' }),
    truncated: z.boolean().meta({ description: 'Some text was cut to the storable limits' }),
    receivedAt: z.iso.datetime(),
  })
  .meta({ id: 'InboundMessage' });

export const inboundList = listPage(inboundMessage);

const at = z.iso.datetime().meta({ description: 'When it was received (inbound) or accepted (outbound)' });

/** The message fields of GET /v1/messages/{id} that a thread shows; the item carries all of them. */
const outboundMessage = z.looseObject({
  direction: z.literal('outbound'),
  at,
  id: z.string(),
  from: z.string(),
  to: z.string(),
  type: z.enum(MESSAGE_TYPES),
  content: z.record(z.string(), z.unknown()),
  status: z.enum(MESSAGE_STATUSES),
  error: z.object({ code: z.string().nullable(), message: z.string() }).nullable(),
  createdAt: z.iso.datetime(),
});

const conversationItem = z
  .discriminatedUnion('direction', [
    inboundMessage.extend({ direction: z.literal('inbound'), at }),
    outboundMessage,
  ])
  .meta({ id: 'ConversationItem' });

/** The customer-service window of an official sender with this contact; null for a WhatsApp Web session. */
const customerWindow = z
  .object({
    open: z.boolean().meta({ description: 'Free-form messages may be sent; when closed, templates only' }),
    lastInboundAt: z.iso.datetime().nullable(),
    closesAt: z.iso.datetime().nullable().meta({
      description: 'Open until (24 h after the last inbound message, less CUSTOMER_WINDOW_MARGIN_MS)',
    }),
  })
  .nullable();

export const conversationPage = z.intersection(
  listPage(conversationItem),
  z.object({
    senderId: z.string(),
    contact: z.string(),
    provider: z.string(),
    window: customerWindow,
  }),
);
