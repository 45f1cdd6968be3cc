import { z } from 'zod';
import { idempotencyKey } from '../../schemas/message.schema';
import { sessionResponse } from '../../schemas/session.schema';
import type { OperationDocs } from './operation-docs';

/** The header POST /v1/messages parses itself, with the very schema it parses it with. */
const idempotencyHeaders = z.object({ 'idempotency-key': idempotencyKey.optional() });

const session = (description: string) => ({ description, schema: sessionResponse });

/** The authenticated `/v1` API (Authorization: Bearer <api key>). */
export const v1Docs: OperationDocs = {
  'POST /v1/diagnostics/ping': {
    tag: 'diagnostics',
    summary: 'Round trip through a worker',
    description: 'Runs a workflow whose activity writes to MongoDB; answers when it completed.',
    responses: { 200: 'The ping, with roundTripMs', 503: 'No worker completed the ping in time' },
  },
  'GET /v1/diagnostics/pings/{pingId}': {
    tag: 'diagnostics',
    summary: 'A recorded ping',
    responses: { 200: 'The ping record', 404: 'No such ping for this tenant' },
  },
  'POST /v1/messages': {
    tag: 'messages',
    summary: 'Send a message',
    description:
      'Accepted once durable (202 `{id, status}`). `?wait=sent` waits for the provider answer (200, the message). ' +
      'The same Idempotency-Key with the same body replays the first answer (header Idempotent-Replayed: true).',
    headers: idempotencyHeaders,
    responses: {
      200: 'The message, once sent (with ?wait=sent)',
      202: 'Accepted: `{id, status}`',
      409: 'Idempotency-Key reused with a different body',
      422: 'The sender cannot send this message',
      429: 'Rate limited (Retry-After)',
    },
  },
  'GET /v1/messages': {
    tag: 'messages',
    summary: 'List messages',
    responses: { 200: '`{items, nextCursor}`, newest first' },
  },
  'GET /v1/messages/{id}': {
    tag: 'messages',
    summary: 'A message with its status history fields',
    responses: { 200: 'The message', 404: 'No such message for this tenant' },
  },
  'POST /v1/messages/{id}/cancel': {
    tag: 'messages',
    summary: 'Cancel a queued message',
    responses: {
      200: '`{id, status: "cancelled"}`',
      404: 'No such message',
      409: 'Too late to cancel',
    },
  },
  'POST /v1/messages/{id}/retry': {
    tag: 'messages',
    summary: 'Retry a failed message',
    responses: {
      202: '`{id, status, retryCount}`',
      404: 'No such message',
      409: 'Not failed or not retryable',
    },
  },
  'POST /v1/senders': {
    tag: 'senders',
    summary: 'Register an official (Meta Cloud API) sender',
    description: 'The access token is sealed and never returned.',
    responses: { 201: 'The sender', 409: 'Sender id or phone number id already registered' },
  },
  'GET /v1/senders': {
    tag: 'senders',
    summary: 'List official senders',
    responses: { 200: '`{items}`' },
  },
  'PUT /v1/callbacks': {
    tag: 'callbacks',
    summary: 'Set the status callback URL',
    description: 'Answers `{url, secret}`: the signing secret is shown only here.',
    responses: { 200: '`{url, secret}`' },
  },
  'GET /v1/callbacks': {
    tag: 'callbacks',
    summary: 'The status callback',
    responses: { 200: 'The callback (without its secret)', 404: 'No callback set' },
  },
  'DELETE /v1/callbacks': {
    tag: 'callbacks',
    summary: 'Remove the status callback',
    responses: { 204: 'Removed', 404: 'No callback set' },
  },
  'POST /v1/sessions': {
    tag: 'sessions',
    summary: 'Start a WhatsApp Web session',
    responses: { 202: session('The session, creating'), 409: 'A session with this id exists' },
  },
  'GET /v1/sessions': {
    tag: 'sessions',
    summary: 'List sessions',
    responses: { 200: '`{data, next}`; items carry hasQr instead of the QR image' },
  },
  'GET /v1/sessions/{sessionId}': {
    tag: 'sessions',
    summary: 'A session (live from its workflow, else its projection)',
    responses: { 200: session('The session; qr is a PNG data URL'), 404: 'No such session' },
  },
  'GET /v1/sessions/{sessionId}/qr.png': {
    tag: 'sessions',
    summary: 'The current QR code as a PNG',
    responses: {
      200: {
        description: 'PNG image',
        contentType: 'image/png',
        schema: z.string().meta({ format: 'binary' }),
      },
      404: 'No such session, or no QR on offer',
    },
  },
  'POST /v1/sessions/{sessionId}/disconnect': {
    tag: 'sessions',
    summary: 'Disconnect a session',
    responses: { 200: session('The session'), 404: 'No such session', 409: 'Not in a state to disconnect' },
  },
  'POST /v1/sessions/{sessionId}/restart': {
    tag: 'sessions',
    summary: 'Restart a session (a new QR follows)',
    responses: { 202: session('The session'), 404: 'No such session', 409: 'Not in a state to restart' },
  },
  'DELETE /v1/sessions/{sessionId}': {
    tag: 'sessions',
    summary: 'Delete a session',
    responses: {
      200: '`{sessionId, deleted: true}`',
      404: 'No such session',
      409: 'Not in a state to delete',
    },
  },
  'GET /v1/health/sessions': {
    tag: 'operations',
    summary: 'The latest session health sweep, for this tenant',
    description:
      "Counts and per-session outcomes of the tenant's sessions, and `credentials`: each official sender's " +
      'access token as Meta `debug_token` saw it (`valid`, `expiring` within 7 days, `expired`, `invalid`, ' +
      'or `failed` when Meta could not be asked), with `expiresAt`.',
    responses: {
      200: 'Counts, per-session outcomes and per-sender credential checks',
      404: 'No sweep has finished yet',
    },
  },
};
