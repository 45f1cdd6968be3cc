import type { Request } from 'express';
import { DomainError } from '../../domain/errors';
import { ValidationFailed } from './validate';

/**
 * The exact bytes of a JSON webhook body. Webhook paths get them unparsed (app.ts mounts a raw
 * body reader on `/webhooks`), so a signature is checked before anything is parsed; `rawBody` is
 * the copy the app-wide JSON parser keeps, for an app built without that reader. No body at all
 * is zero bytes (a signature over them is still checked, and the JSON parse then says 400).
 */
export function webhookRawBody(req: Request): Buffer {
  const body: unknown = req.body;
  return Buffer.isBuffer(body) ? body : (req.rawBody ?? Buffer.alloc(0));
}

/**
 * The body of an authenticated webhook as a JSON object, or a 400 when the body as a whole is
 * unusable: not JSON (`invalid_json`), or JSON that is not an object (`validation_failed` on
 * `body`). V8's JSON.parse needs no stack for nesting (a 100,000-deep array parses); what is
 * done with the result afterwards is bounded by the entry checks (MAX_ENTRY_DEPTH).
 */
export function parseWebhookJson(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DomainError('invalid', 'invalid_json', 'Request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationFailed([{ field: 'body', rule: 'invalid_type', message: 'must be a JSON object' }]);
  return value as Record<string, unknown>;
}
