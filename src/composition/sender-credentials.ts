import type { SenderRepository } from '../db/repositories/sender.repository';
import type { Dialog360AdapterConfig } from '../providers/dialog360/dialog360.adapter';
import type { TwilioAdapterConfig } from '../providers/twilio/twilio.adapter';

/**
 * The adapters' credential ports over the sender repository: the composition roots (and the test
 * stack) wire them, so an adapter never depends on how senders are stored.
 */

/** Only 360dialog senders have a D360-API-KEY. */
export function dialog360CredentialsFrom(
  senders: Pick<SenderRepository, 'withCredentials'>,
): Dialog360AdapterConfig['credentials'] {
  return async (tenantId, senderId) => {
    const found = await senders.withCredentials(tenantId, senderId);
    return found?.credentials.provider === '360dialog' ? { apiKey: found.credentials.apiKey } : null;
  };
}

/** Account SID + auth token, and the sender's number. */
export function twilioCredentialsFrom(
  senders: Pick<SenderRepository, 'withCredentials'>,
): TwilioAdapterConfig['credentials'] {
  return async (tenantId, senderId) => {
    const found = await senders.withCredentials(tenantId, senderId);
    if (found?.credentials.provider !== 'twilio') return null;
    const { accountSid, authToken } = found.credentials;
    return { accountSid, authToken, fromDigits: found.sender.displayPhoneNumber.replace(/\D/g, '') };
  };
}
