import { z } from 'zod';

/**
 * Parts of a provider's settings: the environment variables it reads, as a zod object in its own
 * folder (`<vendor>.settings.ts`), carried by its descriptor and composed into the process's
 * schema (src/config/env.ts) through the registry. The names are the environment's; `.env.example`
 * documents each one.
 */

/** Milliseconds, from the environment's text. */
export const durationMs = z.coerce.number().int().min(0);

/** A sender's default send rate, per second or per minute, and its burst. */
export const ratePer = z.coerce.number().positive();
export const burst = z.coerce.number().int().min(1);
