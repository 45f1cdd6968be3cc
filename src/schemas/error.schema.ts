import { z } from 'zod';
import { MAX_JSON_DEPTH } from './storable-json';

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
  .meta({
    id: 'Error',
    description:
      'Every 4xx/5xx. Every /v1 JSON body must be a JSON object that can be stored: nested at most ' +
      `${MAX_JSON_DEPTH} levels, no NUL character in any string or key, no key starting with $ or ` +
      'containing ., no array directly inside an array, no infinite number (400 naming each field ' +
      'and rule); another Content-Type is 415. A 503 ' +
      '`dependency_unavailable` (the database or Temporal is down) carries Retry-After: retry then, ' +
      'with the same Idempotency-Key (only a 2xx says the request was made durable).',
  });
