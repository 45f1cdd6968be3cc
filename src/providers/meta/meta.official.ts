import type { OfficialPlatform } from '../official-providers';

/** Meta's webhooks name our number by its phone number id. */
const routingKey = ({ phoneNumberId }: { phoneNumberId: string }) => `meta:${phoneNumberId}`;

/**
 * Meta's Cloud API as the rest of the code knows it without loading the adapter (its descriptor
 * carries it). Pure data (the workflow bundle loads it through src/providers/official-providers.ts):
 * no imports but types.
 */
export const metaOfficial = {
  name: 'meta',
  /**
   * Embedded Signup as a saga: exchange the code, find the WABA and number, subscribe our app,
   * register the number, store the sender.
   */
  steps: ['exchange_code', 'resolve_ids', 'subscribe_app', 'register_phone', 'store_sender'],
  routingKey,
  routingKeyOf: (s) => {
    if (!s.phoneNumberId) throw new Error('A Meta sender needs its phone number id');
    return routingKey({ phoneNumberId: s.phoneNumberId });
  },
} as const satisfies OfficialPlatform<'meta', { phoneNumberId: string }>;
