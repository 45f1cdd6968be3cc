import type { PayloadCodec } from '@temporalio/common';
import type { Config } from '../config/env';
import type { Logger } from '../logging/logger';
import { createPayloadCodec } from './payload-codec';
import { createRecipientHasher, type RecipientHasher } from './recipient-hash';

/**
 * What keeps tenants' data out of Temporal in clear (issue 15), from config, for both composition
 * roots. Without TEMPORAL_PAYLOAD_KEYS the process still starts — a development choice — but says
 * at start that history is plain text; docker-compose refuses to start without the keys.
 */
export function temporalProtectionFrom(
  config: Pick<
    Config,
    'TEMPORAL_PAYLOAD_KEYS' | 'TEMPORAL_PAYLOAD_ACTIVE_KEY_ID' | 'TEMPORAL_RECIPIENT_HASH_KEY'
  >,
  logger: Pick<Logger, 'warn'>,
): { payloadCodec: PayloadCodec | undefined; recipientHash: RecipientHasher | undefined } {
  if (!config.TEMPORAL_PAYLOAD_KEYS)
    logger.warn(
      'TEMPORAL_PAYLOAD_KEYS is not set: message content, recipients and QR codes are stored in Temporal history in plain text',
    );
  if (!config.TEMPORAL_RECIPIENT_HASH_KEY)
    logger.warn('TEMPORAL_RECIPIENT_HASH_KEY is not set: messages carry no Recipient search attribute');
  return {
    payloadCodec: config.TEMPORAL_PAYLOAD_KEYS
      ? createPayloadCodec(config.TEMPORAL_PAYLOAD_KEYS, config.TEMPORAL_PAYLOAD_ACTIVE_KEY_ID)
      : undefined,
    recipientHash: config.TEMPORAL_RECIPIENT_HASH_KEY
      ? createRecipientHasher(config.TEMPORAL_RECIPIENT_HASH_KEY)
      : undefined,
  };
}
