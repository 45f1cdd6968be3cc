import { z } from 'zod';
import type { RejectedEntry } from '../../domain/dead-letter';
import { checkEntry, providerId, providerLabel } from '../../schemas/webhook.schema';

/** A form-encoded Twilio webhook as express.urlencoded({extended:false}) parses it: repeated keys are arrays. */
export type TwilioParams = Record<string, string | string[] | undefined>;

/** The first value of a parameter (Twilio sends each once; a repeated one counts by its first). */
export const one = (p: TwilioParams, key: string): string | undefined => {
  const v = Object.hasOwn(p, key) ? p[key] : undefined;
  return Array.isArray(v) ? v[0] : v;
};

/** The message SID under any of the names Twilio has used for it. */
export const twilioSidOf = (p: TwilioParams): string | undefined =>
  one(p, 'MessageSid') ?? one(p, 'SmsMessageSid') ?? one(p, 'SmsSid');

/**
 * The parameters we read, as Twilio documents them (messaging webhooks, "Status callback" and
 * "Incoming message" parameters). A SID or address with a NUL in it, or 10 KB long, is no id.
 */
const statusForm = z.object({
  MessageSid: providerId,
  MessageStatus: providerLabel,
  ErrorCode: z.string().max(64).optional(),
});

const inboundForm = z.object({
  MessageSid: providerId,
  To: providerId,
  From: providerId.optional(),
  WaId: providerId.optional(),
  MessageType: providerLabel.optional(),
});

/**
 * Checks a status callback or an inbound message before it is normalised; a failure is the
 * webhook's one entry, ready to dead-letter with the SIDs that could be read.
 */
export function checkTwilioWebhook(
  p: TwilioParams,
  kind: 'status' | 'inbound',
): { ok: true } | { ok: false; rejected: RejectedEntry } {
  const flat =
    kind === 'status'
      ? { MessageSid: twilioSidOf(p), MessageStatus: one(p, 'MessageStatus'), ErrorCode: one(p, 'ErrorCode') }
      : {
          MessageSid: twilioSidOf(p),
          To: one(p, 'To'),
          From: one(p, 'From'),
          WaId: one(p, 'WaId'),
          MessageType: one(p, 'MessageType'),
        };
  const schema: z.ZodType<unknown> = kind === 'status' ? statusForm : inboundForm;
  const checked = checkEntry(schema, flat, {
    kind: kind === 'status' ? 'status' : 'message',
    ids: { messageSid: flat.MessageSid, accountSid: one(p, 'AccountSid') },
  });
  return checked.ok ? { ok: true } : { ok: false, rejected: { ...checked.rejected, entry: p } };
}
