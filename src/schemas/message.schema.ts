import { z } from 'zod';
import { BROADCAST_ID } from '../domain/broadcast';
import { MESSAGE_STATUSES, MESSAGE_TYPES, PRIORITIES } from '../domain/message';
import { normalisePhone } from '../domain/phone';
import { isoDateTime, queryInt, resourceId } from './common.schema';
import {
  audioContent,
  buttonsContent,
  documentContent,
  imageContent,
  listContent,
  locationContent,
  templateContent,
  textContent,
  videoContent,
  type MessageContent,
} from './message-content.schema';

/** Each message type's content object, by type (shared with POST /v1/broadcasts). */
export const contentShapes = {
  text: textContent,
  image: imageContent,
  document: documentContent,
  audio: audioContent,
  video: videoContent,
  location: locationContent,
  template: templateContent,
  interactive_buttons: buttonsContent,
  interactive_list: listContent,
} as const;

export const phoneNumber = z.string().transform((raw, ctx) => {
  const n = normalisePhone(raw);
  if (!n) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a phone number in international format (E.164, 8-15 digits)',
    });
    return z.NEVER;
  }
  return n;
});

/**
 * A metadata key is stored as a field name: MongoDB and FerretDB refuse `$`-prefixed and dotted
 * ones (and NUL, refused in every key and string by src/schemas/storable-json.ts).
 */
export const metadataKey = z
  .string()
  .max(64)
  .regex(/^(?!\$)[^.]*$/, 'must not start with $ or contain .');

/** A message's metadata: up to 50 flat keys (checked where it is used), echoed in callbacks. */
export const messageMetadata = z.record(
  metadataKey,
  z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]),
);

/**
 * `POST /v1/messages`: the envelope plus exactly one content object named after `type`
 * (`{ type: "text", text: { body } }`), as Meta's own API does.
 */
export const sendMessageBody = z
  .strictObject({
    from: resourceId,
    to: phoneNumber,
    type: z.enum(MESSAGE_TYPES),
    priority: z.enum(PRIORITIES).default('normal'),
    recipientName: z.string().min(1).max(256).optional(),
    validitySeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1 second')
      .max(86_400, 'must be at most 86400 seconds (24 hours)')
      .optional()
      .meta({
        description:
          'How long the provider being down or rate-limiting this message may delay it before it fails with code `expired` (retryable). Default MESSAGE_VALIDITY_MS (4 h). Our own outages never count.',
      }),
    metadata: messageMetadata.optional(),
    ...Object.fromEntries(Object.entries(contentShapes).map(([k, s]) => [k, s.optional()])),
  })
  .superRefine((b, ctx) => {
    const rec = b as Record<string, unknown>;
    if (rec[b.type] === undefined)
      ctx.addIssue({ code: 'custom', path: [b.type], message: `required for type ${b.type}` });
    for (const k of Object.keys(contentShapes))
      if (k !== b.type && rec[k] !== undefined)
        ctx.addIssue({ code: 'custom', path: [k], message: `not allowed for type ${b.type}` });
    if (b.metadata && Object.keys(b.metadata).length > 50)
      ctx.addIssue({ code: 'custom', path: ['metadata'], message: 'at most 50 keys' });
  })
  .transform((b) => {
    const rec = b as Record<string, unknown>;
    const content = { type: b.type, [b.type]: rec[b.type] } as MessageContent;
    return {
      from: b.from,
      to: b.to,
      priority: b.priority,
      recipientName: b.recipientName,
      validitySeconds: b.validitySeconds,
      metadata: b.metadata,
      content,
    };
  });
export type SendMessageRequest = z.output<typeof sendMessageBody>;

export const sendMessageQuery = z.strictObject({ wait: z.enum(['sent']).optional() });

export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters');

export const messageParams = z.strictObject({
  id: z.string().regex(/^msg_[A-Za-z0-9_-]{10,64}$/, 'must be a message id'),
});

export const listMessagesQuery = z.strictObject({
  from: resourceId.optional(),
  broadcastId: z.string().regex(BROADCAST_ID, 'must be a broadcast id').optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  to: phoneNumber.optional(),
  since: isoDateTime.optional(),
  until: isoDateTime.optional(),
  limit: queryInt(1, 100).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a cursor from a previous page')
    .optional(),
});
