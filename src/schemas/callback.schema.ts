import { z } from 'zod';

/** `PUT /v1/callbacks`: http(s) URL that receives every message status change. */
export const setCallbackBody = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
});
