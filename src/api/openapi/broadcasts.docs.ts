import { z } from 'zod';
import { listPage } from '../../schemas/list-page.schema';
import type { OperationDocs } from './operation-docs';

const broadcastItem = z.looseObject({}).meta({
  description: 'A broadcast as GET /v1/broadcasts/{id} answers it, without counts, progress, rate and ETA',
});

const command = (verb: string, allowed: string) => ({
  tag: 'broadcasts',
  summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a broadcast`,
  description: `Allowed when the broadcast is ${allowed}; a running chunk notices within a second, lets its sends in flight finish and starts none.`,
  responses: {
    200: '`{id, status}` after the workflow applied it',
    404: 'No such broadcast for this tenant',
    409: 'The broadcast’s status forbids it (`not_pausable`, `not_resumable`, `not_cancellable`), naming the status',
  },
});

/** Broadcasts (issue 18): one request, up to 10,000 recipients, each one a message. */
export const broadcastDocs: OperationDocs = {
  'POST /v1/broadcasts': {
    tag: 'broadcasts',
    summary: 'Send one content to up to 10,000 recipients',
    description:
      'The content is given as in POST /v1/messages (`type` and the object named after it) and personalised per ' +
      'recipient by `parameters`: a template gets them as its body parameters ({{1}}, {{2}} …), a text body has ' +
      'its {{n}} placeholders replaced. All or nothing at the door: an error names the recipient’s index and the ' +
      'rule; a number listed twice is refused (`duplicate_recipient`). Answered 202 once the recipients are stored ' +
      'and the broadcast’s workflow started (durable); the same Idempotency-Key returns the same broadcast. ' +
      'Every recipient becomes a message (`msg_<broadcast id>-<index>`) with GET /v1/messages/{id}, ' +
      'GET /v1/messages?broadcastId= and POST /v1/messages/{id}/retry; its statuses move forward from the same ' +
      'webhooks, and the tenant callback hears of them with `broadcastId`. Sending goes at the sender’s rate ' +
      '(the limiter single messages use): `priority` defaults to low, so single messages of normal and high ' +
      'priority go between the broadcast’s sends. For free-form types the 24-hour window is checked per ' +
      'recipient when it is sent: closed = that recipient fails `customer_window_closed`.',
    responses: {
      202: '`{id, status, total}`',
      400: 'Invalid body, naming the field (`body.recipients.<i>.to` …) and the rule',
      409: 'The Idempotency-Key was used with another body',
      413: 'Over BROADCAST_BODY_LIMIT (default 4mb)',
      422: 'Unknown sender, or a type it cannot send',
    },
  },
  'GET /v1/broadcasts': {
    tag: 'broadcasts',
    summary: 'List broadcasts, newest first',
    responses: { 200: { description: 'A page of broadcasts (ListPage)', schema: listPage(broadcastItem) } },
  },
  'GET /v1/broadcasts/{id}': {
    tag: 'broadcasts',
    summary: 'A broadcast: counts by status, progress, rate, ETA, its workflow',
    description:
      '`counts` are the recipients by status (queued until sent); `progress.done` = total − queued; `ratePerSec` ' +
      'is the rate of the last 10 s while running; `eta` when the queued ones will be sent at that rate. ' +
      '`workflowUrl` opens the workflow in the Temporal Web UI (TEMPORAL_UI_URL; null when unset).',
    responses: { 200: 'The broadcast', 404: 'No such broadcast for this tenant' },
  },
  'POST /v1/broadcasts/{id}/pause': command('pause', 'scheduled or running'),
  'POST /v1/broadcasts/{id}/resume': command('resume', 'paused'),
  'POST /v1/broadcasts/{id}/cancel': {
    ...command('cancel', 'scheduled, running or paused'),
    description:
      'Recipients still queued become cancelled; sends in flight finish. Allowed until the last chunk is sent.',
  },
};
