import type { OfficialPlatform } from '../official-providers';

/** Our onboarding names the channel in the X-Dw-Channel header of its webhooks. */
const routingKey = ({ channelId }: { channelId: string }) => `360dialog:${channelId}`;

/**
 * 360dialog as the rest of the code knows it without loading the adapter (its descriptor carries
 * it). Pure data (the workflow bundle loads it through src/providers/official-providers.ts): no
 * imports but types.
 */
export const dialog360Official = {
  name: '360dialog',
  /**
   * Integrated Onboarding as a saga: the channel the client granted, an API key for it, its
   * webhook, the sender.
   */
  steps: ['fetch_channel', 'create_api_key', 'configure_webhook', 'store_sender'],
  routingKey,
  routingKeyOf: (s) => {
    if (!s.channelId) throw new Error('A 360dialog sender needs its channel id');
    return routingKey({ channelId: s.channelId });
  },
} as const satisfies OfficialPlatform<'360dialog', { channelId: string }>;
