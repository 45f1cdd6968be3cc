import { z } from 'zod';
import { providerId, providerLabel, unixSeconds } from '../../schemas/webhook.schema';

/**
 * Meta's webhook notification (reference/official-platform.md A3), level by level. Only what we
 * read is checked, loosely (Meta adds fields): an entry that breaks a level is dead-lettered there,
 * its siblings are processed. Fields we only pass on (a message's content, an alert's value) are
 * made storable later instead of being refused.
 */
export const metaEnvelope = z.looseObject({
  object: z.string().max(64),
  entry: z.array(z.unknown()),
});

export const metaEntry = z.looseObject({
  id: z.unknown().optional(),
  time: z.unknown().optional(),
  changes: z.array(z.unknown()),
});

export const metaChange = z.looseObject({
  field: z.string().max(128).optional(),
  value: z.unknown().optional(),
});

/** A change's value that carries statuses and/or messages (field `messages`). */
export const metaMessagesValue = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.unknown().optional() }).optional(),
  statuses: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  // Names only: a malformed `contacts` costs the names, not the messages (read leniently).
  contacts: z.unknown().optional(),
});

export const metaStatus = z.looseObject({
  id: providerId,
  status: providerLabel,
  timestamp: unixSeconds.optional(),
  // Read leniently: a malformed reference falls back to the wamid, malformed errors to "failed".
  biz_opaque_callback_data: z.unknown().optional(),
  errors: z.unknown().optional(),
});

export const metaInboundMessage = z.looseObject({
  id: providerId,
  from: providerId,
  type: providerLabel,
  timestamp: unixSeconds.optional(),
});

/** The receiving number of a messages change (it names the sender, hence the tenant). */
export const metaPhoneNumberId = providerId;
/** `entry[].id`: the WhatsApp Business Account an alert is about. */
export const metaWabaId = providerId;

/** An account alert change's value: an object (its fields are read leniently). */
export const metaAlertValue = z.record(z.string(), z.unknown());
