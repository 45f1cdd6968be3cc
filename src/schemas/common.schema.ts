import { z } from 'zod';

/** The seed's id rule, reused for every client-chosen id. */
export const resourceId = z.string().regex(/^[a-zA-Z0-9_-]{1,50}$/, 'must match ^[a-zA-Z0-9_-]{1,50}$');

export const tenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must match ^[a-z0-9][a-z0-9_-]{0,62}$');
