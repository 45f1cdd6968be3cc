import { z } from 'zod';

/**
 * Meta's verification request: `GET <callback>?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`.
 * All optional: a wrong or missing value is a refused handshake (403), not a malformed request.
 */
export const metaVerifyQuery = z.object({
  'hub.mode': z.string().max(32).optional(),
  'hub.verify_token': z.string().max(256).optional(),
  'hub.challenge': z.string().max(256).optional(),
});
