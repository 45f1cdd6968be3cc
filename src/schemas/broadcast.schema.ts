import { z } from 'zod';
import {
  BROADCAST_DEFAULT_PRIORITY,
  BROADCAST_ID,
  BROADCAST_MAX_RECIPIENTS,
  BROADCAST_STATUSES,
} from '../domain/broadcast';
import { MESSAGE_TYPES, PRIORITIES } from '../domain/message';
import { isoDateTime, queryInt, resourceId } from './common.schema';
import type { MessageContent } from './message-content.schema';
import { contentShapes, messageMetadata, phoneNumber } from './message.schema';

const recipient = z.strictObject({
  to: phoneNumber,
  parameters: z.array(z.string().min(1, 'must not be empty').max(1024)).max(20).optional().meta({
    description:
      "Values of the content's placeholders {{1}}, {{2}} …: a template's body parameters (text), or placeholders in a text body.",
  }),
  metadata: messageMetadata.optional(),
  recipientName: z.string().min(1).max(256).optional(),
});

/**
 * `POST /v1/broadcasts`: one content for every recipient (any type the sender can send, named after
 * `type` as in POST /v1/messages), personalised per recipient by `parameters`. All or nothing: an
 * error names the recipient's index. A number listed twice is refused (`duplicate_recipient`,
 * naming both indexes): a broadcast sends each number once, and a silent merge would hide which
 * parameters won.
 */
export const createBroadcastBody = z
  .strictObject({
    from: resourceId,
    type: z.enum(MESSAGE_TYPES),
    name: z.string().min(1).max(200).optional(),
    priority: z.enum(PRIORITIES).default(BROADCAST_DEFAULT_PRIORITY).meta({
      description:
        'Default low: single messages of normal and high priority go out between the broadcast’s sends.',
    }),
    notBefore: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
      .optional()
      .meta({ description: 'Start sending at this time, not before (at most 30 days ahead).' }),
    validitySeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(60, 'must be at least 60 seconds')
      .max(86_400, 'must be at most 86400 seconds (24 hours)')
      .optional()
      .meta({
        description:
          'How long provider outages may delay a recipient, counted from when the broadcast starts sending; then it fails with code `expired` (retryable). Default MESSAGE_VALIDITY_MS.',
      }),
    recipients: z
      .array(recipient)
      .min(1, 'must list at least one recipient')
      .max(BROADCAST_MAX_RECIPIENTS, `must list at most ${BROADCAST_MAX_RECIPIENTS} recipients`),
    ...Object.fromEntries(Object.entries(contentShapes).map(([k, s]) => [k, s.optional()])),
  })
  .superRefine((b, ctx) => {
    const rec = b as Record<string, unknown>;
    if (rec[b.type] === undefined)
      ctx.addIssue({ code: 'custom', path: [b.type], message: `required for type ${b.type}` });
    for (const k of Object.keys(contentShapes))
      if (k !== b.type && rec[k] !== undefined)
        ctx.addIssue({ code: 'custom', path: [k], message: `not allowed for type ${b.type}` });
    if (b.notBefore && Date.parse(b.notBefore) > Date.now() + 30 * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['notBefore'], message: 'must be at most 30 days ahead' });
    const first = new Map<string, number>();
    b.recipients.forEach((r, i) => {
      const seen = first.get(r.to);
      if (seen !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['recipients', i, 'to'],
          message: `${r.to} is also recipient ${seen}: each number once per broadcast`,
          params: { rule: 'duplicate_recipient' },
        });
      else first.set(r.to, i);
      if (r.metadata && Object.keys(r.metadata).length > 50)
        ctx.addIssue({ code: 'custom', path: ['recipients', i, 'metadata'], message: 'at most 50 keys' });
      if (r.parameters && b.type !== 'template' && b.type !== 'text')
        ctx.addIssue({
          code: 'custom',
          path: ['recipients', i, 'parameters'],
          message: `not allowed for type ${b.type} (only template and text have placeholders)`,
        });
    });
  })
  .transform((b) => {
    const rec = b as Record<string, unknown>;
    return {
      from: b.from,
      name: b.name ?? null,
      priority: b.priority,
      notBefore: b.notBefore ? new Date(b.notBefore) : null,
      validitySeconds: b.validitySeconds,
      content: { type: b.type, [b.type]: rec[b.type] } as MessageContent,
      recipients: b.recipients,
    };
  });
export type CreateBroadcastRequest = z.output<typeof createBroadcastBody>;

export const broadcastParams = z.strictObject({
  id: z.string().regex(BROADCAST_ID, 'must be a broadcast id'),
});

export const listBroadcastsQuery = z.strictObject({
  from: resourceId.optional(),
  status: z.enum(BROADCAST_STATUSES).optional(),
  since: isoDateTime.optional(),
  limit: queryInt(1, 100).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a cursor from a previous page')
    .optional(),
});
