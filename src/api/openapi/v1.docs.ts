import { z } from 'zod';
import { idempotencyKey } from '../../schemas/message.schema';
import { sessionList, sessionResponse } from '../../schemas/session.schema';
import { onboardingList, onboardingResponse } from '../../schemas/onboarding.schema';
import { statsResponse } from '../../schemas/stats.schema';
import { deadLetterList } from '../../schemas/dead-letter.schema';
import { accountAlertList } from '../../schemas/alert.schema';
import { senderList } from '../../schemas/sender.schema';
import { sessionHealthResponse } from '../../schemas/session-health.schema';
import { listPage } from '../../schemas/list-page.schema';
import { meResponse } from '../../schemas/me.schema';
import type { OperationDocs } from './operation-docs';

/** The header POST /v1/messages parses itself, with the very schema it parses it with. */
const idempotencyHeaders = z.object({ 'idempotency-key': idempotencyKey.optional() });

const session = (description: string) => ({ description, schema: sessionResponse });

/** GET /v1/messages's items are messages as GET /v1/messages/{id} answers them. */
const messageList = listPage(
  z.looseObject({}).meta({ description: 'A message as GET /v1/messages/{id} answers it' }),
);

/** The authenticated `/v1` API (Authorization: Bearer <api key>). */
export const v1Docs: OperationDocs = {
  'POST /v1/diagnostics/ping': {
    tag: 'diagnostics',
    summary: 'Round trip through a worker',
    description: 'Runs a workflow whose activity writes to MongoDB; answers when it completed.',
    responses: { 200: 'The ping, with roundTripMs', 503: 'No worker completed the ping in time' },
  },
  'GET /v1/me': {
    tag: 'diagnostics',
    summary: 'The API key’s tenant, and where its workflows open in the Temporal Web UI',
    description:
      'Workflow ids carry the tenant (`message:<tenant>:<id>`, `session:…`, `broadcast:…`, `onboarding:…`; a ' +
      'broadcast recipient’s is its broadcast’s): with `temporalUi` (TEMPORAL_UI_URL and the namespace) a console ' +
      'links each resource to its workflow. No parameters: any is a 400.',
    responses: { 200: { description: 'The caller', schema: meResponse } },
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
    summary: 'List messages, newest first',
    responses: { 200: { description: 'A page of messages (ListPage)', schema: messageList } },
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
  'GET /v1/stats': {
    tag: 'messages',
    summary: 'Message statistics: counts and rates by status, provider, sender and period',
    description:
      "The API key's tenant's messages accepted in [from, to) (createdAt), each counted once by its " +
      'current status. `from`/`to` are ISO dates or date-times with a zone; a date-only `to` includes ' +
      'that whole day; default: the 7 days before `to`, `to` = now. At most 31 days with ' +
      '`granularity=hour`, 366 with `day`. Periods are UTC days (`2025-03-01`) or hours (`2025-03-01T13`), ' +
      'every period of the range listed. Rates (0..1, 4 decimals, null when the divisor is 0): ' +
      '`delivery` = (delivered + read) / (sent + delivered + read + failed) — queued and cancelled ' +
      'messages are left out; messages whose provider reports no delivery (the seed gateway) stay `sent`; ' +
      '`read` = read / (delivered + read). `failures`: the 20 most frequent error codes of messages now ' +
      'failed, each with its count and latest failure.',
    responses: {
      200: { description: 'The statistics', schema: statsResponse },
      422: 'stats_range_too_large: more than 100,000 messages in the range; narrow it or filter',
    },
  },
  'POST /v1/senders': {
    tag: 'senders',
    summary: 'Register an existing official sender (Meta Cloud API number or Twilio WhatsApp sender)',
    description:
      '`provider` defaults to `meta`. The access token / auth token is sealed and never returned. 360dialog numbers are added by an onboarding (`POST /v1/onboardings`), which also configures their webhook.',
    responses: { 201: 'The sender', 409: 'Sender id or phone number id already registered' },
  },
  'GET /v1/senders': {
    tag: 'senders',
    summary: 'List official senders, newest first',
    responses: { 200: { description: 'A page of senders (ListPage)', schema: senderList } },
  },
  'GET /v1/alerts': {
    tag: 'senders',
    summary: "Account alerts of the tenant's WhatsApp Business Accounts, newest first",
    description:
      'From the Meta and 360dialog webhooks: `account_update` (bans, restrictions, violations), ' +
      '`phone_number_quality_update`, `message_template_status_update`, `message_template_quality_update` ' +
      '(event: the new quality score), `template_category_update` (event: the category the template gets), ' +
      '`account_alerts`, ' +
      '`business_capability_update`; each notification stored once. `details` is the webhook change as sent, ' +
      'made storable: keys starting with `$` or holding `.` or `%` are percent-escaped (`%24`, `%2E`, `%25`), ' +
      'an array directly inside an array is wrapped as `{"%array": [...]}`, NUL characters are U+FFFD.',
    responses: {
      200: { description: 'A page of alerts (ListPage), by when they happened', schema: accountAlertList },
    },
  },
  'GET /v1/dead-letters': {
    tag: 'webhooks',
    summary: 'Webhook entries of the tenant that could not be processed, newest first',
    description:
      'A provider webhook that is authenticated but carries an entry (a status, an inbound message, an ' +
      'account alert, a gateway event) that does not fit the provider’s documented shape, is nested deeper ' +
      'than 32 levels, or that the database refused, is kept here instead of being processed or retried: ' +
      'with the provider’s ids that could be read, the reasons (`issues`), the entry as JSON text and when it ' +
      'came. A redelivery of the same entry counts `deliveries` up. The other entries of the same webhook ' +
      'are processed as usual. Entries whose tenant cannot be told are kept without one and only counted ' +
      '(`dw_webhook_dead_letters_total`).',
    responses: {
      200: { description: 'A page of dead letters (ListPage), by first receipt', schema: deadLetterList },
    },
  },
  'GET /v1/senders/{senderId}/rate': {
    tag: 'senders',
    summary: "A sender's send rate and the messages waiting for it",
    description:
      'The provider’s rate (`RATE_LIMIT_*`) unless the sender has its own (`source`). `waiting` counts the ' +
      'sender’s messages waiting for a token, by priority: high goes before normal before low, FIFO by ' +
      'acceptance within a priority; waiting never fails a message.',
    responses: {
      200: '`{senderId, provider, ratePerSecond, burst, source: "sender"|"provider", waiting: {high, normal, low}}`',
      404: 'No sender or session with this id for the tenant',
    },
  },
  'PUT /v1/senders/{senderId}/rate': {
    tag: 'senders',
    summary: "Set a sender's own send rate",
    description:
      'Takes effect at the next permit any worker gives, without a restart (the limiter is shared state in ' +
      'MongoDB). Use it for a number Meta upgraded (e.g. 1000/s) or one that must go slower.',
    responses: { 200: 'The rate now (as GET)', 404: 'No sender or session with this id for the tenant' },
  },
  'DELETE /v1/senders/{senderId}/rate': {
    tag: 'senders',
    summary: "Back to the provider's send rate",
    responses: { 200: 'The rate now (as GET)', 404: 'No sender or session with this id for the tenant' },
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
    summary: 'List sessions, newest first',
    responses: {
      200: {
        description: 'A page of sessions (ListPage); items carry hasQr instead of the QR image',
        schema: sessionList,
      },
    },
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
  'POST /v1/onboardings': {
    tag: 'onboardings',
    summary: 'Onboard a number through Meta (Embedded Signup), 360dialog or Twilio',
    description:
      'Starts the onboarding saga (202): each provider step is retried; a failure after partial setup undoes the ' +
      'completed steps in reverse and ends `failed`, naming the step and the provider error. The body is one ' +
      'shape per `provider`. The Embedded Signup `code`, the `pin` and a Twilio `authToken` are sealed at once and ' +
      'never returned. The same Idempotency-Key with the same body answers the same onboarding (Idempotent-Replayed).',
    headers: idempotencyHeaders,
    responses: {
      202: { description: 'The onboarding, running (follow it with GET)', schema: onboardingResponse },
      400: 'Invalid input; `invalid_state`: a 360dialog `state` that is unknown, expired or already used',
      409:
        'The sender id exists, the number is already registered (`routing_key_taken`, another account), or the ' +
        'Idempotency-Key was used with another body',
      422: 'provider_not_configured: the server lacks this provider’s configuration',
    },
  },
  'POST /v1/onboardings/360dialog/state': {
    tag: 'onboardings',
    summary: 'A state nonce for opening 360dialog’s Hub',
    description:
      'The signup page asks for one before opening the Hub and sends it back as `state` with each ' +
      '`POST /v1/onboardings` of the redirect: bound to your tenant, usable once per channel of one client, ' +
      'for 30 minutes.',
    responses: { 201: '`{state, expiresAt}`' },
  },
  'GET /v1/onboardings': {
    tag: 'onboardings',
    summary: 'List onboardings, newest first',
    responses: {
      200: { description: 'A page of onboardings (ListPage), with their steps', schema: onboardingList },
    },
  },
  'GET /v1/onboardings/{id}': {
    tag: 'onboardings',
    summary: 'An onboarding with its step-by-step progress',
    responses: {
      200: {
        description: 'Steps with status, attempts, times and errors; the failure if any',
        schema: onboardingResponse,
      },
      404: 'No such onboarding for this tenant',
    },
  },
  'POST /v1/onboardings/{id}/verification': {
    tag: 'onboardings',
    summary: 'Submit the verification code Twilio sent to the number',
    description:
      'For a Twilio onboarding whose sender waits in `PENDING_VERIFICATION` (the view says ' +
      '`awaiting: "verification_code"`): the code is sealed at once and handed to the onboarding, which submits ' +
      'it to Twilio. A code Twilio refuses shows as the `await_online` step’s error; another may be submitted ' +
      'until the online timeout. The code is never returned or logged.',
    responses: {
      202: '`{id, verification: "submitted"}`: handed to the onboarding (follow it with GET)',
      404: 'No such onboarding for this tenant',
      409: 'not_awaiting_verification: not a Twilio sender waiting for its code',
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
      200: {
        description:
          'Counts, per-session outcomes and per-sender credential checks; before the first sweep has ' +
          'finished, the same fields with `sweepId`, `startedAt` and `finishedAt` null, zero counts and ' +
          'empty lists',
        schema: sessionHealthResponse,
      },
    },
  },
};
