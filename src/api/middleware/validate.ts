import type { Request, Response } from 'express';
import type { z } from 'zod';

export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export class ValidationFailed extends Error {
  override name = 'ValidationFailed';
  constructor(readonly details: FieldError[]) {
    super(`Invalid request: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`);
  }
}

export type Schemas = { body?: z.ZodType; query?: z.ZodType; params?: z.ZodType };
type Parsed<S extends Schemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never;
};

/**
 * A route handler that only ever sees parsed input: zod validates params, query and body (all
 * issues at once, each naming the field and the rule) before `fn` runs. Handlers never re-read
 * `req.body`.
 */
export function route<S extends Schemas>(
  schemas: S,
  fn: (input: Parsed<S>, req: Request, res: Response) => Promise<void> | void,
) {
  const handler = async (req: Request, res: Response) => {
    const details: FieldError[] = [];
    const out: Record<string, unknown> = {};
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const result = schema.safeParse(req[part] ?? (part === 'body' ? undefined : {}));
      if (result.success) out[part] = result.data;
      else
        for (const issue of result.error.issues) {
          details.push({
            field: [part, ...issue.path.map(String)].join('.'),
            rule: issue.code,
            message: issue.message,
          });
        }
    }
    if (details.length > 0) throw new ValidationFailed(details);
    await fn(out as Parsed<S>, req, res);
  };
  validatedBy.set(handler, schemas);
  return handler;
}

/** The schemas each `route()` handler validates with: the OpenAPI document reads them (src/api/openapi). */
const validatedBy = new WeakMap<object, Schemas>();

export function schemasOf(handler: unknown): Schemas | undefined {
  return typeof handler === 'function' ? validatedBy.get(handler) : undefined;
}
