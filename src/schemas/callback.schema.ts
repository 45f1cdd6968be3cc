import { z } from 'zod';

/**
 * `PUT /v1/callbacks`: the URL that receives every message status change and inbound message.
 * https to a public address (issue 15); plain http and private addresses only where the
 * deployment's CALLBACK_ALLOW_HTTP / CALLBACK_ALLOW_PRIVATE_NETWORKS say so (local development).
 */
export const setCallbackBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .describe(
      'https URL on a public address; loopback, private, link-local, CGNAT, unique-local and unspecified ' +
        'addresses are refused, also when the host name resolves to one. Redirects are not followed.',
    ),
});
