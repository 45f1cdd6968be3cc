import type { Request } from 'express';
import { idempotencyKey } from '../../schemas/message.schema';
import { ValidationFailed } from './validate';

/** The request's `Idempotency-Key` header, validated (400 naming the header), or null when absent. */
export function idempotencyKeyOf(req: Request): string | null {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return null;
  const parsed = idempotencyKey.safeParse(header);
  if (!parsed.success)
    throw new ValidationFailed([
      {
        field: 'headers.idempotency-key',
        rule: 'invalid_format',
        message: parsed.error.issues[0]?.message ?? 'invalid',
      },
    ]);
  return parsed.data;
}
