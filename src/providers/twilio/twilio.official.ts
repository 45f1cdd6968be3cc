import type { OfficialPlatform } from '../official-providers';

/** Twilio's callbacks carry the AccountSid and our number (From of a status, To of an inbound). */
const routingKey = ({ accountSid, phoneNumber }: { accountSid: string; phoneNumber: string }) =>
  `twilio:${accountSid}:${phoneNumber.replace(/\D/g, '')}`;

/**
 * Twilio as the rest of the code knows it without loading the adapter (its descriptor carries it).
 * Pure data (the workflow bundle loads it through src/providers/official-providers.ts): no imports
 * but types.
 */
export const twilioOfficial = {
  name: 'twilio',
  /**
   * The Senders API as a saga: create the sender, wait until it is ONLINE (verification code
   * included), store the sender.
   */
  steps: ['create_sender', 'await_online', 'store_sender'],
  routingKey,
  routingKeyOf: (s) => {
    if (s.credentials.provider !== 'twilio') throw new Error('A Twilio sender needs Twilio credentials');
    return routingKey({ accountSid: s.credentials.accountSid, phoneNumber: s.displayPhoneNumber });
  },
} as const satisfies OfficialPlatform<'twilio', { accountSid: string; phoneNumber: string }>;
