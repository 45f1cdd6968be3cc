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
      const given = presentIssues(part, req[part]);
      details.push(...given);
      if (part === 'body' && given.length > 0) continue;
      const repeated = new Set(given.map((d) => d.field.slice('query.'.length)));
      const result = schema.safeParse(req[part] ?? (part === 'body' ? undefined : {}));
      if (result.success) out[part] = result.data;
      else
        for (const issue of result.error.issues) {
          if (repeated.has(String(issue.path[0]))) continue;
          details.push({
            field: [part, ...issue.path.map(String)].join('.'),
            // A custom check may name its rule (`params: { rule }`); zod's own issues by their code.
            rule: (issue as { params?: { rule?: unknown } }).params?.rule?.toString() ?? issue.code,
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

/**
 * What must hold before a schema can say anything useful: a body was sent (the JSON parser in
 * json-body.ts has already refused anything but a JSON object), and no query parameter is repeated
 * (`?since=a&since=b` arrives as an array, which `z.coerce` would read as one odd value). No query
 * parameter of this API is a list.
 */
function presentIssues(part: 'params' | 'query' | 'body', value: unknown): FieldError[] {
  if (part === 'body' && value === undefined)
    return [
      { field: 'body', rule: 'required', message: 'must be a JSON object (Content-Type: application/json)' },
    ];
  if (part !== 'query' || typeof value !== 'object' || value === null) return [];
  return Object.entries(value)
    .filter(([, v]) => Array.isArray(v))
    .map(([k]) => ({ field: `query.${k}`, rule: 'repeated', message: 'must be given once' }));
}

/** The schemas each `route()` handler validates with: the OpenAPI document reads them (src/api/openapi). */
const validatedBy = new WeakMap<object, Schemas>();

export function schemasOf(handler: unknown): Schemas | undefined {
  return typeof handler === 'function' ? validatedBy.get(handler) : undefined;
}
