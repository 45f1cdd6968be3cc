import { z } from 'zod';

/**
 * The one error body every 4xx/5xx carries (built by src/api/middleware/errors.ts). `details` is
 * `[{field, rule, message}]` for `validation_failed`, otherwise whatever the error adds.
 */
export const errorBody = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  // The id makes it one shared component (`#/components/schemas/Error`) in the OpenAPI document.
  .meta({ id: 'Error' });
