import { conversationPage, inboundList } from '../../schemas/conversation.schema';
import type { OperationDocs } from './operation-docs';

/** Inbound messages and conversations (issue 17): reads over what the webhooks stored. */
export const conversationDocs: OperationDocs = {
  'GET /v1/inbound': {
    tag: 'messages',
    summary: "The tenant's inbound messages, newest first",
    description:
      'Messages people sent to your senders, as stored from the provider webhooks (each once, by the ' +
      "provider's message id). `from` is one of your senders, as in GET /v1/messages; `contact` the person " +
      "who wrote, normalised like every phone number here; `type` the provider's message type (text, image, " +
      'reaction, button…); `since`/`until` bound `receivedAt` (the time the provider gives). `content` is the ' +
      'type-specific object as sent.',
    responses: { 200: { description: 'A page of inbound messages (ListPage)', schema: inboundList } },
  },
  'GET /v1/conversations/{senderId}/{contact}': {
    tag: 'messages',
    summary: 'The thread between one of your senders and one contact, both directions, newest first',
    description:
      'Inbound messages (by when received) and the messages you sent (by when accepted) interleaved, each item ' +
      'with its `direction`: inbound items are as GET /v1/inbound lists them, outbound ones as ' +
      'GET /v1/messages/{id} answers. `window` is the 24-hour customer-service window of an official sender ' +
      'with this contact: `open` until `closesAt` (the last inbound message + 24 h, less ' +
      'CUSTOMER_WINDOW_MARGIN_MS — when POST /v1/messages starts refusing free-form messages); when closed ' +
      'only templates can be sent. `window` is null for a WhatsApp Web session, which has none. The cursor ' +
      "is this conversation's own (`nextCursor` of a previous page of it).",
    responses: {
      200: { description: 'A page of the conversation (ListPage) with the window', schema: conversationPage },
      404: 'No sender or session with this id for the tenant',
    },
  },
};
